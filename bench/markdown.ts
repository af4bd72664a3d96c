// The Markdown written to bench/results and printed at the end: settings, figures, targets, notes.
import type { Baselines, Figure, Target } from './report.ts';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const ratio = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'n/a' : `${n.toFixed(2)}×`);
const rowsLabel = (n: number) => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

/** A Markdown table with padded columns, so it reads in a terminal too. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function figureTitle(f: Figure): string {
  return f.preloadedRows > 0 ? `${f.title} (${rowsLabel(f.preloadedRows)} users + contacts)` : f.title;
}

export function figuresTable(figures: Figure[], b: Baselines): string {
  const rows = figures.map((f) => [
    f.database === null ? `baseline: ${f.title}` : figureTitle(f),
    f.database ?? '—',
    `${int(f.rps.median)} (${int(f.rps.min)}–${int(f.rps.max)})`,
    ms(f.p50Ms),
    ms(f.p99Ms),
    b.http ? ratio(f.rps.median / b.http.rps.median) : 'n/a',
    b.fastify ? ratio(f.rps.median / b.fastify.rps.median) : 'n/a',
    `${f.serverCpuPct.toFixed(0)} / ${f.generatorCpuPct.toFixed(0)}`,
    int(f.rpsPerCpu),
    b.http ? ratio(f.rpsPerCpu / b.http.rpsPerCpu) : 'n/a',
    f.rssPeakMb.toFixed(0),
    f.walPeakMb === null ? '—' : f.walPeakMb.toFixed(1),
    f.errors === 0 ? '0' : `**${int(f.errors)} ERRORS**`,
  ]);
  const head = [
    'scenario',
    'db',
    'req/s median (min–max)',
    'p50 ms',
    'p99 ms',
    '× node:http',
    '× Fastify',
    'CPU % srv / gen',
    'req per srv CPU-s',
    '× node:http per CPU-s',
    'peak RSS MB',
    'peak WAL MB',
    'errors',
  ];
  return table(head, rows);
}

export function targetsTable(list: Target[]): string {
  const rows = list.map((t) => [
    t.label,
    t.required,
    t.measured.shown,
    t.measured.status,
    t.beside?.shown ?? '',
    t.beside?.status ?? '',
    t.perCpu.shown,
    t.perCpu.status,
  ]);
  return table(['target', 'required', 'measured', 'result', 'vs node:http measured beside it', 'result', 'per server CPU-second', 'result'], rows);
}

export interface Meta {
  date: string;
  took: string;
  mode: string;
  commit: string;
  node: string;
  wrk: string;
  cpu: string;
  pinning: string;
  settings: string;
  server: string;
  baselines: string;
  preloadedRows: number;
  loadAverage: { start: string; end: string };
}

/** `chat`: the chat part's own section (bench/chat-report.ts) and notes, when it ran. */
export function renderMarkdown(
  meta: Meta,
  figures: Figure[],
  baselines: Baselines,
  targets: Target[],
  problems: string[],
  chat?: { section: string; notes: string[] },
): string {
  const notes = [...figures.flatMap((f) => f.notes.map((n) => `${f.key}: ${n}`)), ...(chat?.notes ?? [])];
  // What only the wrk figures need is left out of a chat-only run.
  const http = figures.length > 0;
  return [
    `# Parley benchmark, ${meta.date.slice(0, 10)} (${meta.mode})`,
    '',
    `Took ${meta.took}. Commit ${meta.commit}, Node ${meta.node}, ${meta.wrk}, ${meta.cpu}.`,
    '',
    `- Pinning: ${meta.pinning}.`,
    ...(http ? [`- Each figure: ${meta.settings}.`] : []),
    ...(http
      ? [
          '- CPU %: share of one CPU used by the server process (its PostgreSQL backends not counted) and by wrk. Other work on this machine takes part of CPU 0 at times, ' +
            'so each figure also shows requests per CPU-second of the server process and its ratio to node:http on that basis (meaningful where the server is CPU-bound: SQLite, the baselines).',
        ]
      : []),
    `- Parley: ${meta.server}.`,
    ...(http ? [`- Baselines: ${meta.baselines}.`] : []),
    ...(figures.some((f) => f.preloadedRows > 0)
      ? [`- Preloaded figures: ${meta.preloadedRows.toLocaleString('en-US')} users and as many contacts, inserted in bulk before the server starts.`]
      : []),
    `- Load average (other work on this machine) at start ${meta.loadAverage.start}, at end ${meta.loadAverage.end}.`,
    '',
    ...(figures.length > 0 ? ['## Figures', '', figuresTable(figures, baselines), ''] : []),
    ...(chat === undefined ? [] : [chat.section]),
    '## Targets',
    '',
    targetsTable(targets),
    '',
    '## Notes',
    '',
    ...(notes.length + problems.length === 0 ? ['None.'] : [...problems.map((p) => `- PROBLEM: ${p}`), ...notes.map((n) => `- ${n}`)]),
    '',
  ].join('\n');
}
