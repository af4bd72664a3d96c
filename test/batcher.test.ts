// Group commit (src/storage/batcher.ts) on a real SQLite file: a transaction stops taking jobs when it
// has worked its time budget, the rest go first in the next one, order is kept, and a bad job fails
// alone.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Kysely, type Transaction, sql } from 'kysely';
import { type Database, openDatabase } from '../src/storage/database.ts';
import { TransactionBatcher } from '../src/storage/batcher.ts';
import type { DB } from '../src/storage/schema.ts';
import { type TestDatabase, createTestDatabase } from './support/databases.ts';

let file: TestDatabase;
let database: Database;
let db: Kysely<DB>;
before(async () => {
  file = await createTestDatabase('sqlite');
  database = await openDatabase(file.url);
  db = database.db;
  await sql`create table jobs (n integer primary key, txn integer not null)`.execute(db);
});
after(async () => {
  await database.close();
  await file.drop();
});

/** A batcher whose clock moves `msPerJob` each time a job runs; it numbers its transactions. */
function batcher(maxBatch: number, maxBatchMs: number, msPerJob: number) {
  let clock = 0;
  let transactions = 0;
  const b = new TransactionBatcher<Transaction<DB>>(
    (work) => {
      transactions++;
      return db.transaction().execute(work);
    },
    true,
    { maxBatch, maxBatchMs, now: () => clock },
  );
  const insert = (n: number) =>
    b.run(async (trx) => {
      clock += msPerJob;
      await sql`insert into jobs (n, txn) values (${n}, ${transactions})`.execute(trx);
      return n;
    });
  /** A job that answers at once, with no promise (as a message's statements do on SQLite): the transaction it ran in, or it throws. */
  const atOnce = (fail = false) =>
    b.run(() => {
      if (fail) throw new Error('refused at once');
      return transactions;
    });
  return { insert, atOnce, transactions: () => transactions };
}

/** How many jobs each transaction held, in commit order. */
function sizes(rows: Array<{ txn: number }>): number[] {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r.txn, (counts.get(r.txn) ?? 0) + 1);
  return [...counts.values()];
}

async function stored(from: number, to: number) {
  const rows = await sql<{ n: number; txn: number }>`select n, txn from jobs where n >= ${from} and n < ${to} order by rowid`.execute(db);
  return rows.rows;
}

it('commits the jobs of one turn together while they fit the time budget', async () => {
  const b = batcher(256, 1_000, 1);
  assert.deepEqual(await Promise.all([1, 2, 3, 4, 5].map(b.insert)), [1, 2, 3, 4, 5]);
  assert.equal(b.transactions(), 1);
  assert.deepEqual(new Set((await stored(1, 6)).map((r) => r.txn)).size, 1);
});

it('stops taking jobs when a transaction has worked its budget; the rest commit next, in order', async () => {
  const b = batcher(256, 3, 1);
  const ns = Array.from({ length: 10 }, (_, i) => 100 + i);
  assert.deepEqual(await Promise.all(ns.map(b.insert)), ns);
  const rows = await stored(100, 110);
  assert.deepEqual(
    rows.map((r) => r.n),
    ns,
    'stored in the order queued',
  );
  assert.deepEqual(sizes(rows), [3, 3, 3, 1]);
});

it('caps a transaction at maxBatch jobs', async () => {
  const b = batcher(4, 1_000, 0);
  const ns = Array.from({ length: 10 }, (_, i) => 200 + i);
  await Promise.all(ns.map(b.insert));
  assert.deepEqual(sizes(await stored(200, 210)), [4, 4, 2]);
});

it('a failing job fails alone: the others of its transaction are retried and stored', async () => {
  const b = batcher(256, 1_000, 0);
  const results = await Promise.allSettled([300, 301, 300, 302].map(b.insert));
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
  );
  assert.deepEqual(
    (await stored(300, 310)).map((r) => r.n),
    [300, 301, 302],
  );
});

it('takes work that answers at once into the same transaction, in order, and such a job that throws fails alone', async () => {
  const b = batcher(256, 1_000, 0);
  const [first, txn, second] = await Promise.all([b.insert(400), b.atOnce(), b.insert(401)]);
  assert.deepEqual([first, second], [400, 401]);
  assert.equal(b.transactions(), 1, 'one transaction for the three');
  assert.deepEqual(
    (await stored(400, 402)).map((r) => r.txn),
    [txn, txn],
    'the inserts committed in the transaction the job answered in',
  );

  const results = await Promise.allSettled([b.insert(410), b.atOnce(true), b.insert(411), b.atOnce()]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  assert.deepEqual(
    (await stored(410, 412)).map((r) => r.n),
    [410, 411],
  );
});
