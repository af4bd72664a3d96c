// The SQLite checkpointer thread (storage/checkpointer.ts): it copies the WAL into the database file
// while the writer never checkpoints itself, holds the WAL open to flush it while it runs, and lets
// go of it when stopped.
import assert from 'node:assert/strict';
import { mkdtempSync, readlinkSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { startCheckpointer } from '../src/storage/checkpointer.ts';
import { eventually } from './support/eventually.ts';

const dir = mkdtempSync(join(tmpdir(), 'parley-checkpointer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The paths this process holds open (worker threads share the descriptor table). */
const openPaths = () =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return [];
    }
  });

it("copies the writer's WAL into the database file, and lets go of the WAL when stopped", async () => {
  const path = join(dir, 'a.sqlite');
  const walDescriptors = () => openPaths().filter((p) => p === `${path}-wal`).length;
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // The writer never checkpoints: whatever reaches the database file, the thread copied.
  db.pragma('wal_autocheckpoint = 0');
  db.exec('create table t (id integer primary key, body text not null)');
  const writers = walDescriptors();
  assert.equal(writers, 1, "the writer's own");
  const checkpointer = startCheckpointer(path, 20, 5);
  try {
    const before = statSync(path).size;
    const insert = db.prepare('insert into t (body) values (?)');
    db.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(200));
    })();
    assert.ok(statSync(`${path}-wal`).size > 400_000, 'the rows are in the WAL');
    await eventually('the rows copied into the database file', () => statSync(path).size > before + 400_000);
    // Its connection's, and the one it flushes the WAL through.
    await eventually("the thread's two descriptors of the WAL", () => walDescriptors() === writers + 2);
  } finally {
    await checkpointer.stop();
  }
  assert.equal(walDescriptors(), writers, "the thread's descriptors closed");
  assert.equal(db.prepare('select count(*) from t').pluck().get(), 2_000);
  db.close();
});
