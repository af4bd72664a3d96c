// Preloaded into a server under test, it counts the time spent in garbage collection, second by second:
//   PARLEY_BENCH_NODE_ARGS="--import ./bench/gc-observer.mjs" npm run bench -- --quick --only chat_sqlite
// On SIGTERM (the bench stops its servers so) it writes /tmp/parley-gc-<pid>.json (or into
// PARLEY_BENCH_GC_DIR): [second since start, { kind: [collections, ms] }] pairs. Read it with
// `node bench/gc-share.mjs <file> [from s] [to s]`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { GC_KINDS as KINDS } from './gc-kinds.mjs';

const started = performance.now();
const seconds = new Map();

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    // The bench stops a server (SIGSTOP) while others are measured: a collection under way then lasts
    // as long as the stop. No pause of these heaps takes a second.
    if (entry.duration > 1000) continue;
    const second = Math.floor((entry.startTime - started) / 1000);
    const kinds = seconds.get(second) ?? {};
    const kind = KINDS[entry.detail?.kind] ?? 'other';
    kinds[kind] ??= [0, 0];
    kinds[kind][0] += 1;
    kinds[kind][1] += entry.duration;
    seconds.set(second, kinds);
  }
}).observe({ entryTypes: ['gc'] });

process.prependListener('SIGTERM', () => {
  const file = join(process.env.PARLEY_BENCH_GC_DIR ?? '/tmp', `parley-gc-${process.pid}.json`);
  writeFileSync(file, JSON.stringify([...seconds]));
});
