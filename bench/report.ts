// Figures (three runs → median, min–max) and the issue's targets, checked against them.
import { type WrkResult, non2xx, requestsPerSecond, socketErrors } from './wrk.ts';

export interface RunFigure {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  /** Bodies not starting with {"status":200, (includes every non-2xx). */
  badEnvelopes: number;
  socketErrors: number;
  exhausted: number;
  statuses: Record<string, number>;
  badSample: string | null;
  /** Share of one CPU the server process used during the run (its PostgreSQL backends not included). */
  serverCpuPct: number;
  generatorCpuPct: number;
  /** rps divided by that share: what the server would do with CPU 0 to itself, when CPU-bound. */
  rpsPerCpu: number;
}

export interface Figure {
  key: string;
  id: string;
  title: string;
  database: 'sqlite' | 'postgres' | null;
  preloadedRows: number;
  warmup: RunFigure;
  runs: RunFigure[];
  rps: { median: number; min: number; max: number };
  p50Ms: number;
  p99Ms: number;
  serverCpuPct: number;
  generatorCpuPct: number;
  rpsPerCpu: number;
  rssPeakMb: number;
  walPeakMb: number | null;
  /** Failed responses and socket errors over the measured runs. */
  errors: number;
  notes: string[];
  /** node:http's req/s measured right after this figure (a target's figures only): the ratio beside it survives drift. */
  besideHttpRps?: number;
}

export function runFigure(r: WrkResult, serverCpuSeconds: number): RunFigure {
  const seconds = r.durationUs / 1e6;
  const rps = requestsPerSecond(r);
  return {
    serverCpuPct: (100 * serverCpuSeconds) / seconds,
    generatorCpuPct: (100 * r.generatorCpuSeconds) / seconds,
    rpsPerCpu: serverCpuSeconds > 0 ? r.requests / serverCpuSeconds : 0,
    rps,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    requests: r.requests,
    non2xx: non2xx(r),
    badEnvelopes: r.badEnvelopes,
    socketErrors: socketErrors(r),
    exhausted: r.exhausted,
    statuses: r.statuses,
    badSample: r.badSample,
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

type Summary = 'rps' | 'p50Ms' | 'p99Ms' | 'serverCpuPct' | 'generatorCpuPct' | 'rpsPerCpu' | 'errors';

export function summarize(f: Omit<Figure, Summary>): Figure {
  const rps = f.runs.map((r) => r.rps);
  const errors = f.runs.reduce((n, r) => n + r.badEnvelopes + r.socketErrors, 0);
  const notes = [...f.notes];
  const exhausted = f.runs.reduce((n, r) => n + r.exhausted, 0);
  if (exhausted > 0) notes.push(`single-use pool exhausted: ${exhausted} requests re-sent a used token`);
  const sample = f.runs.find((r) => r.badSample !== null)?.badSample;
  if (errors > 0) {
    const bad = f.runs.map((r) => `non-2xx ${r.non2xx}, non-200 envelopes ${r.badEnvelopes}, socket errors ${r.socketErrors}`);
    notes.push(`errors per run: ${bad.join(' | ')}${sample ? `; first bad body: ${sample}` : ''}`);
  }
  return {
    ...f,
    notes,
    rps: { median: median(rps), min: Math.min(...rps), max: Math.max(...rps) },
    p50Ms: median(f.runs.map((r) => r.p50Ms)),
    p99Ms: median(f.runs.map((r) => r.p99Ms)),
    serverCpuPct: median(f.runs.map((r) => r.serverCpuPct)),
    generatorCpuPct: median(f.runs.map((r) => r.generatorCpuPct)),
    rpsPerCpu: median(f.runs.map((r) => r.rpsPerCpu)),
    errors,
  };
}

/** A baseline measured at the start and again at the end of the run: one figure over all its runs. */
export function pooled(start: Figure, end: Figure): Figure {
  const at = (f: Figure) => `${Math.round(f.rps.median).toLocaleString('en-US')} req/s with ${f.serverCpuPct.toFixed(0)}% of the CPU`;
  const drift = Math.max(start.rps.median, end.rps.median) / Math.min(start.rps.median, end.rps.median);
  const note =
    `${drift > 1.25 ? `WARNING, the machine's load drifted (×${drift.toFixed(1)}): ` : ''}measured at the start (median ${at(start)}) ` +
    `and at the end (${at(end)}) of the run; the figure pools both`;
  return summarize({ ...start, runs: [...start.runs, ...end.runs], rssPeakMb: Math.max(start.rssPeakMb, end.rssPeakMb), notes: [note] });
}

export interface Baselines {
  http: Figure | undefined;
  fastify: Figure | undefined;
}

export interface Verdict {
  value: number | undefined;
  shown: string;
  status: 'PASS' | 'MISS' | 'n/a';
}

export interface Target {
  label: string;
  required: string;
  /** The ratio of req/s as measured (the issue's definition). */
  measured: Verdict;
  /**
   * The ratio of req per server CPU-second: robust to other load taking CPU 0 from one figure and not
   * another. SQLite only (on PostgreSQL part of the work is done by backends the bench cannot count).
   */
  perCpu: Verdict;
  /** The ratio to node:http measured right after the figure, on the machine as it was then (ratio targets only). */
  beside?: Verdict;
}

const NA: Verdict = { value: undefined, shown: 'n/a', status: 'n/a' };

function verdict(value: number | undefined, min: number, withErrors: boolean, aim?: number): Verdict {
  if (value === undefined || !Number.isFinite(value) || value === 0) return NA;
  const status = value >= min && !withErrors ? 'PASS' : 'MISS';
  const shown = `${value.toFixed(2)}×${withErrors ? ' (with errors)' : ''}${aim !== undefined && value >= min && value < aim ? ' (below aim)' : ''}`;
  return { value, shown, status };
}

/** The scenarios a ratio-to-node:http target reads (their main-phase figures get node:http measured beside them). */
export const RATIO_TARGET_IDS: ReadonlySet<string> = new Set(['ticket_existing', 'ticket_new', 'token_request', 'token_refresh', 'connect_check']);

export function targets(figures: Figure[], b: Baselines): Target[] {
  const get = (key: string) => figures.find((f) => f.key === key);
  const errors = (...fs: Array<Figure | undefined>) => fs.some((f) => (f?.errors ?? 0) > 0);
  const ratio = (target: string, reference: Figure | undefined, min: number, aim?: number) => {
    const f = get(target);
    const withErrors = errors(f, reference);
    const sqlite = f?.database === 'sqlite';
    return {
      measured: verdict(f && reference ? f.rps.median / reference.rps.median : undefined, min, withErrors, aim),
      perCpu: sqlite && f && reference ? verdict(f.rpsPerCpu / reference.rpsPerCpu, min, withErrors, aim) : NA,
    };
  };
  const beside = (key: string, min: number, aim?: number): Verdict => {
    const f = get(key);
    return verdict(f?.besideHttpRps === undefined ? undefined : f.rps.median / f.besideHttpRps, min, errors(f), aim);
  };
  const aim = (min: number, best?: number) => `≥ ${min.toFixed(2)}×${best === undefined ? '' : ` (aim ${best.toFixed(2)}×)`}`;
  const vsHttp = (label: string, key: string, min: number, best?: number): Target => ({
    label,
    required: aim(min, best),
    ...ratio(key, b.http, min, best),
    beside: beside(key, min, best),
  });
  const vsEmpty = (label: string, key: string, reference: string): Target => ({ label, required: aim(0.8), ...ratio(key, get(reference), 0.8) });
  const list = [
    // Issue #14's targets (a login is a ticket plus a redemption).
    vsHttp('SQLite: ticket issuance, existing user vs node:http', 'sqlite/ticket_existing', 0.45),
    vsHttp('PostgreSQL: ticket issuance, existing user vs node:http', 'postgres/ticket_existing', 0.35),
    vsHttp('SQLite: ticket issuance, new user vs node:http', 'sqlite/ticket_new', 0.2),
    vsHttp('PostgreSQL: ticket issuance, new user vs node:http', 'postgres/ticket_new', 0.1),
    vsHttp('SQLite: ticket redemption vs node:http', 'sqlite/token_request', 0.25),
    vsHttp('PostgreSQL: ticket redemption vs node:http', 'postgres/token_request', 0.12),
    vsHttp('SQLite: refresh vs node:http', 'sqlite/token_refresh', 0.25),
    vsHttp('PostgreSQL: refresh vs node:http', 'postgres/token_refresh', 0.12),
    vsHttp('SQLite: /connect?check=1 vs node:http', 'sqlite/connect_check', 0.5),
    vsEmpty('SQLite: ticket issuance (existing user), preloaded vs empty', 'sqlite/scale_ticket_existing', 'sqlite/ticket_existing'),
    vsEmpty('SQLite: sync_contact update, preloaded vs empty', 'sqlite/scale_sync_update', 'sqlite/sync_update'),
    vsEmpty('PostgreSQL: ticket issuance (existing user), preloaded vs empty', 'postgres/scale_ticket_existing', 'postgres/ticket_existing'),
    vsEmpty('PostgreSQL: sync_contact update, preloaded vs empty', 'postgres/scale_sync_update', 'postgres/sync_update'),
  ];
  const parley = figures.filter((f) => f.database !== null);
  const peak = parley.length === 0 ? undefined : parley.reduce((a, f) => (f.rssPeakMb > a.rssPeakMb ? f : a));
  list.push({
    label: 'Peak RSS of the Parley server, every scenario',
    required: '< 200 MB',
    measured:
      peak === undefined
        ? NA
        : { value: peak.rssPeakMb, shown: `${peak.rssPeakMb.toFixed(0)} MB (${peak.key})`, status: peak.rssPeakMb < 200 ? 'PASS' : 'MISS' },
    perCpu: NA,
  });
  return list;
}
