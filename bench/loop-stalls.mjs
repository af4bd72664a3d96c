// Preloaded into a server under test, it keeps a timeline of the event loop's late turns and of every
// garbage collection, to tell what a latency's tail lines up with:
//   PARLEY_BENCH_NODE_ARGS="--import ./bench/loop-stalls.mjs" npm run bench -- --quick --only chat_sqlite
// A 2 ms timer notes each turn that came more than 5 ms late (it costs the server 500 wake-ups a second,
// so read its figures for their shape, not their speed). On SIGTERM it writes
// /tmp/parley-stalls-<pid>.json (or into PARLEY_BENCH_GC_DIR). Read it with
// `node bench/loop-stalls.mjs <file> [from s] [to s]`: the late turns and the collections over that span
// of the process's life (ms since its start), and how many of each. The bench stops a server (SIGSTOP)
// while others are measured: that shows as one late turn as long as the stop, a phase's end.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { GC_KINDS as KINDS } from './gc-kinds.mjs';

const TICK_MS = 2;
const LATE_MS = 5;

if (process.argv[1]?.endsWith('loop-stalls.mjs') && process.argv[2] !== undefined) report(...process.argv.slice(2));
else record();

function record() {
  /** [what, kind, ms since start, ms] */
  const events = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) events.push(['gc', KINDS[e.detail?.kind] ?? 'other', e.startTime, e.duration]);
  }).observe({ entryTypes: ['gc'] });
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last - TICK_MS > LATE_MS) events.push(['late', 'turn', last, now - last - TICK_MS]);
    last = now;
  }, TICK_MS).unref();
  process.prependListener('SIGTERM', () => {
    writeFileSync(join(process.env.PARLEY_BENCH_GC_DIR ?? '/tmp', `parley-stalls-${process.pid}.json`), JSON.stringify(events));
  });
}

function report(file, fromArg = '0', toArg = 'Infinity') {
  const [from, to] = [Number(fromArg) * 1000, Number(toArg) * 1000];
  const events = JSON.parse(readFileSync(file, 'utf8')).filter(([, , at]) => at >= from && at <= to);
  const counts = {};
  for (const [what, kind, at, ms] of events) {
    const key = `${what} ${kind}`;
    counts[key] ??= [0, 0];
    counts[key][0] += 1;
    counts[key][1] += ms;
    // Scavenges are many and short: only the long ones are listed.
    if (kind !== 'minor' || ms > 3) console.log(`${(at / 1000).toFixed(3)} s  ${key}  ${ms.toFixed(1)} ms`);
  }
  for (const [key, [count, ms]] of Object.entries(counts)) console.log(`${key}: ${count}, ${ms.toFixed(0)} ms in all`);
}
