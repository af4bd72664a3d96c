// The SQLite checkpointer thread (storage/checkpointer.ts): it copies the WAL into the database file
// while the writer never checkpoints itself, holds the WAL open to flush it while it runs, and lets
// go of it when stopped. It does either only once told that its process wrote: a process that shares
// the file and writes nothing leaves the writer's WAL to the writer's own thread.
import assert from 'node:assert/strict';
import { mkdtempSync, readlinkSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { startCheckpointer } from '../src/storage/checkpointer.ts';
import { openSqlite } from '../src/storage/sqlite.ts';
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

/** A database in WAL mode whose connection never checkpoints: whatever reaches the file, a thread copied. */
function writer(path: string) {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('create table t (id integer primary key, body text not null)');
  const insert = db.prepare('insert into t (body) values (?)');
  const write = (rows: number) =>
    db.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run('x'.repeat(200));
    })();
  return { db, write };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it("copies the writer's WAL into the database file, and lets go of the WAL when stopped", async () => {
  const path = join(dir, 'a.sqlite');
  const walDescriptors = () => openPaths().filter((p) => p === `${path}-wal`).length;
  const { db, write } = writer(path);
  const writers = walDescriptors();
  assert.equal(writers, 1, "the writer's own");
  const checkpointer = startCheckpointer(path, 20, 5);
  try {
    const before = statSync(path).size;
    write(2_000);
    checkpointer.wrote();
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

it('copies and flushes nothing until its process wrote, however much another connection wrote', async () => {
  const path = join(dir, 'b.sqlite');
  const walDescriptors = () => openPaths().filter((p) => p === `${path}-wal`).length;
  const { db, write } = writer(path);
  const checkpointer = startCheckpointer(path, 20, 5);
  try {
    const before = statSync(path).size;
    // Another process's writes, as far as the thread knows: it is never told of them.
    write(2_000);
    await sleep(300); // fifteen of its rounds
    assert.equal(statSync(path).size, before, 'nothing copied into the database file');
    assert.equal(walDescriptors(), 1, 'the thread never opened the WAL, to copy it or to flush it');
    // This process writes: the thread copies the WAL, the other connection's frames with its own.
    write(1);
    checkpointer.wrote();
    await eventually('the rows copied into the database file', () => statSync(path).size > before + 400_000);
    await eventually('the WAL held open to flush it', () => walDescriptors() === 3);
  } finally {
    await checkpointer.stop();
  }
  assert.equal(db.prepare('select count(*) from t').pluck().get(), 2_001);
  db.close();
});

it("is told of the server connection's commits: a transaction's rows reach the database file", async () => {
  const path = join(dir, 'c.sqlite');
  const opened = openSqlite(path, { synchronous: 'NORMAL', busyTimeout: 1000, startupCheck: 'off' });
  try {
    await sql`create table t (id integer primary key, body text not null)`.execute(opened.db);
    const before = statSync(path).size;
    // Far below the connection's own automatic checkpoint (4,000 pages): only the thread copies this.
    await opened.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 2_000; i++) await sql`insert into t (body) values (${'x'.repeat(200)})`.execute(trx);
    });
    await eventually('the rows copied into the database file', () => statSync(path).size > before + 400_000);
  } finally {
    await opened.close();
  }
});
