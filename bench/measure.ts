// One figure: a warm-up and N measured wrk runs against a pinned server, its RSS / WAL peaks sampled
// throughout, and what the server logged meanwhile.
import { PeakSampler, type PinnedProcess, cpuSeconds } from './processes.ts';
import { type Figure, type RunFigure, runFigure, summarize } from './report.ts';
import type { Wrk, WrkResult } from './wrk.ts';

export interface Timing {
  warmupSeconds: number;
  runSeconds: number;
  runs: number;
}

export interface FigureLabel {
  key: string;
  id: string;
  title: string;
  database: 'sqlite' | 'postgres' | null;
  preloadedRows: number;
}

export interface MeasureOptions {
  wrk: Wrk;
  timing: Timing;
  server: PinnedProcess;
  walPath?: string;
  lua: string;
  /** Arguments of invocation i (0 = warm-up). */
  args(invocation: number): Record<string, string>;
  /** Called after each invocation (pools advance here). */
  after?(result: WrkResult, invocation: number): void;
}

const fmt = (r: RunFigure) =>
  `${Math.round(r.rps).toLocaleString('en-US').padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms` +
  `  CPU server ${r.serverCpuPct.toFixed(0)}% wrk ${r.generatorCpuPct.toFixed(0)}%` +
  (r.badEnvelopes + r.socketErrors > 0 ? `  ERRORS: non-2xx ${r.non2xx}, non-200 envelopes ${r.badEnvelopes}, socket ${r.socketErrors}` : '') +
  (r.exhausted > 0 ? `  pool exhausted ×${r.exhausted}` : '');

/** Throws, with what is known, when the server died before a measured run completed. */
export async function measure(label: FigureLabel, o: MeasureOptions): Promise<Figure> {
  const sampler = new PeakSampler(o.server.pid, o.walPath);
  const results: RunFigure[] = [];
  const notes: string[] = [];
  o.server.takeLogs();
  sampler.start();
  for (let i = 0; i <= o.timing.runs; i++) {
    const seconds = i === 0 ? o.timing.warmupSeconds : o.timing.runSeconds;
    const cpuBefore = cpuSeconds(o.server.pid);
    const result = await o.wrk.run(o.server.url, o.lua, seconds, o.args(i));
    const run = runFigure(result, cpuSeconds(o.server.pid) - cpuBefore);
    o.after?.(result, i);
    results.push(run);
    console.log(`    ${i === 0 ? 'warm-up' : `run ${i}/${o.timing.runs}`.padEnd(7)}  ${fmt(run)}`);
    if (o.server.exited !== null) {
      notes.push(`the server died during ${i === 0 ? 'the warm-up' : `run ${i}`} (${o.server.exited})`);
      break;
    }
  }
  const peak = sampler.stop();
  const logs = o.server.takeLogs();
  if (logs.length > 0) notes.push(`the server logged ${logs.length} lines at warn or above; first: ${logs[0]?.slice(0, 300)}`);
  const [warmup, ...runs] = results;
  if (warmup === undefined || runs.length === 0) throw new Error(`${label.key}: no measured run. ${notes.join('; ')}`);
  if (warmup.badEnvelopes + warmup.socketErrors > 0) {
    notes.push(
      `warm-up: ${warmup.badEnvelopes} non-200 envelopes, ${warmup.socketErrors} socket errors${warmup.badSample ? `; first bad body: ${warmup.badSample}` : ''}`,
    );
  }
  return summarize({ ...label, warmup, runs, rssPeakMb: peak.rssMb, walPeakMb: peak.walMb, notes });
}
