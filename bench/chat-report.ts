// Chat figures (messages/s and latency of send → both echoes, memory per idle socket), the issue's chat
// targets checked against them, and their Markdown section.
import type { LoadRun } from './chat-load.ts';
import { table } from './markdown.ts';
import { type Target, type Verdict, median } from './report.ts';
import { type WebhookFigure, webhookLost, webhookSection, webhookTargets } from './webhook-report.ts';

export interface ChatRun {
  /** Messages completed (both echoes arrived) per second. */
  mps: number;
  sent: number;
  completed: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  errors: number;
  skipped: number;
  /** Share of one CPU used by the server processes, summed. */
  serverCpuPct: number;
  /** The same, each server process's (several processes: where the CPU went). */
  serverCpuPctEach: number[];
  generatorCpuPct: number;
  /** Messages per CPU-second of the server processes. */
  perCpu: number;
}

export interface ChatLabel {
  key: string;
  id: 'ws_relay' | 'ws_floor' | 'ws_floor_redis' | 'chat_sqlite' | 'chat_redis' | 'chat_webhook';
  title: string;
  mode: 'throughput' | 'rate';
  processes: number;
  /** rate mode: messages/s asked for. */
  targetRate: number | null;
}

export interface ChatFigure extends ChatLabel {
  warmup: ChatRun;
  runs: ChatRun[];
  mps: { median: number; min: number; max: number };
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  serverCpuPct: number;
  generatorCpuPct: number;
  perCpu: number;
  rssPeakMb: number;
  errors: number;
  /** rate mode: the median run completed ≥ 98% of the rate and no message was held back. */
  kept: boolean | null;
  notes: string[];
}

export interface IdleProcess {
  sockets: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  perSocketKb: number;
  /** (RSS after − RSS with half the sockets open) / the second half's sockets. */
  marginalKb: number;
}

export interface IdleFigure {
  key: string;
  title: string;
  parley: boolean;
  processes: IdleProcess[];
  failed: number;
  connectSeconds: number;
  notes: string[];
}

export interface ChatResults {
  settings: string[];
  throughput: ChatFigure[];
  rate: ChatFigure[];
  idle: IdleFigure[];
  /** chat_webhook: each of its loads seen from the outbox and the webhook receiver. */
  webhooks: WebhookFigure[];
}

export function chatRun(r: LoadRun): ChatRun {
  return {
    mps: r.completed / r.seconds,
    sent: r.sent,
    completed: r.completed,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    p999Ms: r.p999Ms,
    maxMs: r.maxMs,
    errors: r.errors,
    skipped: r.skipped,
    serverCpuPct: (100 * r.serverCpuSeconds) / r.seconds,
    serverCpuPctEach: r.serverCpuSecondsEach.map((s) => (100 * s) / r.seconds),
    generatorCpuPct: (100 * r.generatorCpuSeconds) / r.seconds,
    perCpu: r.serverCpuSeconds > 0 ? r.completed / r.serverCpuSeconds : 0,
  };
}

export function summarizeChat(label: ChatLabel, warmup: ChatRun, runs: ChatRun[], rssPeakMb: number, notes: string[]): ChatFigure {
  const mps = runs.map((r) => r.mps);
  const errors = runs.reduce((n, r) => n + r.errors, 0);
  const skipped = runs.reduce((n, r) => n + r.skipped, 0);
  const all = [...notes];
  if (skipped > 0) all.push(`${skipped.toLocaleString('en-US')} messages not sent: half a second's worth was outstanding already`);
  const processes = runs[0]?.serverCpuPctEach.length ?? 0;
  if (processes > 1) {
    const each = Array.from({ length: processes }, (_, i) => `process ${i + 1} ${median(runs.map((r) => r.serverCpuPctEach[i] ?? 0)).toFixed(0)} %`);
    all.push(`CPU by process (median of the runs): ${each.join(', ')}`);
  }
  const med = median(mps);
  return {
    ...label,
    warmup,
    runs,
    mps: { median: med, min: Math.min(...mps), max: Math.max(...mps) },
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    p999Ms: median(runs.map((r) => r.p999Ms)),
    maxMs: Math.max(...runs.map((r) => r.maxMs)),
    serverCpuPct: median(runs.map((r) => r.serverCpuPct)),
    generatorCpuPct: median(runs.map((r) => r.generatorCpuPct)),
    perCpu: median(runs.map((r) => r.perCpu)),
    rssPeakMb,
    errors,
    kept: label.targetRate === null ? null : med >= 0.98 * label.targetRate && skipped === 0,
    notes: all,
  };
}

/** The ws baseline measured at the start and at the end of the chat part: one figure over all its runs. */
export function pooledChat(start: ChatFigure, end: ChatFigure): ChatFigure {
  const at = (f: ChatFigure) => `${Math.round(f.mps.median).toLocaleString('en-US')} msg/s with ${f.serverCpuPct.toFixed(0)}% of the CPU`;
  const drift = Math.max(start.mps.median, end.mps.median) / Math.min(start.mps.median, end.mps.median);
  const note =
    `${drift > 1.25 ? `WARNING, the machine's load drifted (×${drift.toFixed(1)}): ` : ''}measured at the start (median ${at(start)}) ` +
    `and at the end (${at(end)}) of the chat part; the figure pools both`;
  return summarizeChat(start, start.warmup, [...start.runs, ...end.runs], Math.max(start.rssPeakMb, end.rssPeakMb), [...start.notes, ...end.notes, note]);
}

const NA: Verdict = { value: undefined, shown: 'n/a', status: 'n/a' };

function atLeast(value: number | undefined, min: number, withErrors: boolean): Verdict {
  if (value === undefined || !Number.isFinite(value) || value === 0) return NA;
  return { value, shown: `${value.toFixed(2)}×${withErrors ? ' (with errors)' : ''}`, status: value >= min && !withErrors ? 'PASS' : 'MISS' };
}

function atMost(value: number | undefined, max: number, unit: string, ok: boolean, why: string): Verdict {
  if (value === undefined || !Number.isFinite(value)) return NA;
  return { value, shown: `${value.toFixed(2)} ${unit}${ok ? '' : ` (${why})`}`, status: value <= max && ok ? 'PASS' : 'MISS' };
}

/** The targets of the chat scenarios that ran (`selected`). */
export function chatTargets(c: ChatResults, selected: ReadonlySet<string>): Target[] {
  const max = (id: string) => c.throughput.find((f) => f.id === id);
  // The primary fixed rate (chat_sqlite is measured at more rates; those are reported, not targeted).
  const rate = (id: string) => c.rate.find((f) => f.id === id && f.key.endsWith('/rate'));
  const relay = max('ws_relay');
  const vsRelay = (label: string, id: string, min: number): Target => {
    const f = max(id);
    const withErrors = (f?.errors ?? 0) + (relay?.errors ?? 0) > 0;
    const ok = f !== undefined && relay !== undefined;
    return {
      label,
      required: `≥ ${min.toFixed(2)}×`,
      measured: atLeast(ok ? f.mps.median / relay.mps.median : undefined, min, withErrors),
      perCpu: atLeast(ok ? f.perCpu / relay.perCpu : undefined, min, withErrors),
    };
  };
  const list: Target[] = [];
  const sqliteRate = rate('chat_sqlite');
  // The floor (bench/ws-store.ts), shown beside the targets it bounds: the relay storing each message.
  const floor = max('ws_floor');
  const floorRate = rate('ws_floor');
  const floorOf = (shown: string | undefined) => (shown === undefined ? '' : ` (floor: ${shown})`);
  const ratioOf = (f: ChatFigure | undefined) => (f !== undefined && relay !== undefined ? `${(f.mps.median / relay.mps.median).toFixed(2)}×` : undefined);
  const floorRatio = ratioOf(floor);
  /** `ms` of a floor's fixed-rate figure, as shown beside a target. */
  const msAt = (f: ChatFigure | undefined, ms: number | undefined) =>
    f === undefined || ms === undefined ? undefined : `${ms.toFixed(1)} ms${f.kept ? '' : ', rate not kept'}`;
  const floorMs = (p: number | undefined) => msAt(floorRate, p);
  if (selected.has('chat_sqlite')) list.push(vsRelay(`Chat, SQLite: send → both echoes vs bare ws relay${floorOf(floorRatio)}`, 'chat_sqlite', 0.45));
  const rateOk = (f: ChatFigure) => f.kept === true && f.errors === 0;
  const rateWhy = (f: ChatFigure) => (f.errors > 0 ? 'with errors' : 'rate not kept');
  if (selected.has('chat_sqlite'))
    list.push({
      label: `Chat, SQLite: p99 of send → both echoes at ${sqliteRate?.targetRate?.toLocaleString('en-US') ?? '5,000'} msg/s${floorOf(floorMs(floorRate?.p99Ms))}`,
      required: '≤ 15 ms, rate kept',
      measured: sqliteRate === undefined ? NA : atMost(sqliteRate.p99Ms, 15, 'ms', rateOk(sqliteRate), rateWhy(sqliteRate)),
      perCpu: NA,
    });
  if (selected.has('chat_sqlite'))
    list.push({
      label: `Chat, SQLite: p999 of send → both echoes at ${sqliteRate?.targetRate?.toLocaleString('en-US') ?? '5,000'} msg/s${floorOf(floorMs(floorRate?.p999Ms))}`,
      required: '≤ 50 ms, rate kept',
      measured: sqliteRate === undefined ? NA : atMost(sqliteRate.p999Ms, 50, 'ms', rateOk(sqliteRate), rateWhy(sqliteRate)),
      perCpu: NA,
    });
  const redisRate = rate('chat_redis');
  // Its floor: two relays joined by Redis, the first storing (bench/ws-baseline-server.ts).
  const redisFloorRate = rate('ws_floor_redis');
  const redisFloorAdded = floorRate === undefined ? undefined : msAt(redisFloorRate, redisFloorRate && redisFloorRate.p99Ms - floorRate.p99Ms);
  if (selected.has('chat_redis'))
    list.push(vsRelay(`Chat, two processes through Redis vs bare ws relay${floorOf(ratioOf(max('ws_floor_redis')))}`, 'chat_redis', 0.35));
  if (selected.has('chat_redis'))
    list.push({
      label: `Chat, Redis: p99 added to the one-process figure at the same rate${floorOf(redisFloorAdded)}`,
      required: '≤ 2 ms, rate kept',
      measured:
        redisRate === undefined || sqliteRate === undefined
          ? NA
          : !rateOk(sqliteRate)
            ? { value: undefined, shown: 'n/a (the one-process figure missed the rate)', status: 'MISS' }
            : atMost(redisRate.p99Ms - sqliteRate.p99Ms, 2, 'ms', rateOk(redisRate), rateWhy(redisRate)),
      perCpu: NA,
    });
  if (selected.has('chat_webhook')) list.push(...webhookTargets(max('chat_sqlite'), max('chat_webhook'), c.webhooks));
  if (selected.has('chat_idle_sockets') && !c.idle.some((i) => i.parley)) {
    list.push({ label: 'Idle authenticated sockets: memory per socket', required: '≤ 10 KB', measured: NA, perCpu: NA });
  }
  for (const f of c.idle.filter((i) => i.parley)) {
    const worst = Math.max(...f.processes.map((p) => p.perSocketKb));
    const sockets = f.processes.map((p) => p.sockets.toLocaleString('en-US')).join(' + ');
    list.push({
      label: `Idle authenticated sockets: memory per socket, ${sockets}${f.processes.length > 1 ? ' (worst process)' : ''}`,
      required: '≤ 10 KB',
      measured: atMost(worst, 10, 'KB', f.failed === 0, `${f.failed} sockets failed to open`),
      perCpu: NA,
    });
  }
  return list;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const errs = (n: number) => (n === 0 ? '0' : `**${int(n)} ERRORS**`);

export function chatSection(c: ChatResults): string {
  const relay = c.throughput.find((f) => f.id === 'ws_relay');
  const ratio = (n: number, d: number | undefined) => (d === undefined || d === 0 ? 'n/a' : `${(n / d).toFixed(2)}×`);
  const throughput = table(
    [
      'scenario',
      'msg/s median (min–max)',
      'p50 ms',
      'p99 ms',
      '× ws relay',
      'CPU % srv / gen',
      'msg per srv CPU-s',
      '× ws relay per CPU-s',
      'peak RSS MB',
      'errors',
    ],
    c.throughput.map((f) => [
      f.title,
      `${int(f.mps.median)} (${int(f.mps.min)}–${int(f.mps.max)})`,
      ms(f.p50Ms),
      ms(f.p99Ms),
      ratio(f.mps.median, relay?.mps.median),
      `${f.serverCpuPct.toFixed(0)} / ${f.generatorCpuPct.toFixed(0)}`,
      int(f.perCpu),
      ratio(f.perCpu, relay?.perCpu),
      f.rssPeakMb.toFixed(0),
      errs(f.errors),
    ]),
  );
  const rate = table(
    [
      'scenario',
      'asked msg/s',
      'completed msg/s median (min–max)',
      'kept',
      'p50 ms',
      'p99 ms',
      'p999 ms',
      'max ms',
      'CPU % srv / gen',
      'peak RSS MB',
      'errors',
    ],
    c.rate.map((f) => [
      f.title,
      int(f.targetRate ?? 0),
      `${int(f.mps.median)} (${int(f.mps.min)}–${int(f.mps.max)})`,
      f.kept ? 'yes' : '**no**',
      ms(f.p50Ms),
      ms(f.p99Ms),
      ms(f.p999Ms),
      ms(f.maxMs),
      `${f.serverCpuPct.toFixed(0)} / ${f.generatorCpuPct.toFixed(0)}`,
      f.rssPeakMb.toFixed(0),
      errs(f.errors),
    ]),
  );
  const idle = table(
    ['server', 'sockets', 'RSS before MB', 'RSS after MB', 'KB per socket', 'KB per socket, second half', 'opened in', 'failed'],
    c.idle.flatMap((f) =>
      f.processes.map((p, i) => [
        f.processes.length > 1 ? `${f.title}, process ${i + 1}` : f.title,
        int(p.sockets),
        p.rssBeforeMb.toFixed(1),
        p.rssAfterMb.toFixed(1),
        p.perSocketKb.toFixed(2),
        p.marginalKb.toFixed(2),
        `${f.connectSeconds.toFixed(1)} s`,
        f.failed === 0 ? '0' : `**${int(f.failed)}**`,
      ]),
    ),
  );
  const parts = ['## Chat', '', ...c.settings.map((s) => `- ${s}`), ''];
  if (c.throughput.length > 0) parts.push('### Send → both echoes, as fast as it goes', '', throughput, '');
  if (c.rate.length > 0) parts.push('### Send → both echoes at a fixed rate', '', rate, '');
  if (c.webhooks.length > 0) parts.push(webhookSection(c.webhooks));
  if (c.idle.length > 0) parts.push('### Idle authenticated sockets: server memory', '', idle, '');
  return parts.join('\n');
}

export function chatNotes(c: ChatResults): string[] {
  return [...c.throughput, ...c.rate, ...c.idle, ...c.webhooks].flatMap((f) => f.notes.map((n) => `${f.key}: ${n}`));
}

/** Failed messages and sockets, and a lost webhook delivery counting as one. */
export const chatErrors = (c: ChatResults) =>
  [...c.throughput, ...c.rate].reduce((n, f) => n + f.errors, 0) + c.idle.reduce((n, f) => n + f.failed, 0) + (webhookLost(c.webhooks) ? 1 : 0);
