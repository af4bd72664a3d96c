// The share of wall time a server spent in garbage collection (bench/gc-observer.mjs wrote the file):
//   node bench/gc-share.mjs /tmp/parley-gc-<pid>.json [from s] [to s]
// prints the share of every second (to find a phase), then per kind over [from, to]: collections, ms,
// ms per second and the mean pause.
import { readFileSync } from 'node:fs';

const [file, fromArg, toArg] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: node bench/gc-share.mjs <file> [from s] [to s]');
  process.exit(2);
}
const seconds = JSON.parse(readFileSync(file, 'utf8'));
const from = Number(fromArg ?? 0);
const to = Number(toArg ?? Math.max(...seconds.map(([second]) => second)));
const totals = {};
const shares = [];
for (const [second, kinds] of seconds) {
  let ms = 0;
  for (const [, duration] of Object.values(kinds)) ms += duration;
  shares.push(`${second}:${(ms / 10).toFixed(0)}%`);
  if (second < from || second > to) continue;
  for (const [kind, [count, duration]] of Object.entries(kinds)) {
    totals[kind] ??= [0, 0];
    totals[kind][0] += count;
    totals[kind][1] += duration;
  }
}
console.log(`GC share of each second: ${shares.join(' ')}`);
const span = to - from + 1;
for (const [kind, [count, duration]] of Object.entries(totals)) {
  console.log(
    `${kind}: ${count} collections, ${duration.toFixed(0)} ms in ${span} s: ${(duration / span).toFixed(1)} ms/s (${(duration / span / 10).toFixed(1)} %), ${(duration / count).toFixed(2)} ms each`,
  );
}
