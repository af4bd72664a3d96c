// SQLite WAL checkpoints off the event loop. A checkpoint copies the WAL into the database file and
// fsyncs it; run inside a commit on the main thread it stalls every request for milliseconds. Here a
// worker thread with its own connection checkpoints passively (never blocking writers) every 50 ms,
// so the main connection's own, rarer automatic checkpoint (every 4,000 pages: at 5,000 messages a
// second, every ≈ 170 ms) finds little left to copy. Every 200 ms, it found most of the WAL to copy.
//
// The same thread also flushes the WAL to disk every few milliseconds (fdatasync on a descriptor of
// its own). With `synchronous = NORMAL` a commit writes the WAL without syncing it; the checkpoint is
// the first to sync, and then waits for everything written since the last one. Flushed as it goes,
// the checkpoint inside a commit finds the WAL already on disk. Syncing sooner than SQLite would is
// always safe: it only makes written data durable earlier.
//
// A round does either only when this process committed since the round before (`wrote`, counted in
// memory shared with the thread). A process that writes nothing has nothing of its own to copy or
// flush: when several share one file (a node that only delivers what another stores), the idle ones'
// threads used to checkpoint the writer's WAL again and again, each round copying the same hot pages
// anew (docs/performance.md, 2026-12-06, seventh session).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { closeSync, fdatasyncSync, openSync } = require('node:fs');
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
// How many write statements and commits the server's connection has finished (it only counts up).
const written = new Int32Array(workerData.written);
let checkpointedAt = 0;
let flushedAt = 0;
const checkpoints = setInterval(() => {
  const now = Atomics.load(written, 0);
  if (now === checkpointedAt) return;
  checkpointedAt = now;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: next round */ }
}, workerData.intervalMs);
// Opened once the WAL exists ('r': never creates it). This connection keeps the WAL from being
// deleted while the server runs; a checkpoint that truncates it keeps the same file.
let wal;
const flushes = setInterval(() => {
  const now = Atomics.load(written, 0);
  if (now === flushedAt) return;
  flushedAt = now;
  try {
    wal ??= openSync(workerData.path + '-wal', 'r');
    fdatasyncSync(wal);
  } catch { /* not there yet */ }
}, workerData.flushMs);
parentPort.on('message', () => {
  clearInterval(checkpoints);
  clearInterval(flushes);
  if (wal !== undefined) closeSync(wal);
  db.close();
  parentPort.postMessage('closed');
});
`;

export interface Checkpointer {
  /** Tells the thread that the server's connection wrote (a write statement or a commit finished). */
  wrote(): void;
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, intervalMs = 50, flushMs = 20): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const written = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER, { eval: true, workerData: { module, path, intervalMs, flushMs, written: written.buffer } });
  worker.unref();
  // A failing checkpointer must not take the server down: the main connection still checkpoints itself.
  worker.on('error', () => {});
  return {
    wrote: () => {
      Atomics.add(written, 0, 1);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        worker.once('message', () => void worker.terminate().then(() => resolve()));
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}
