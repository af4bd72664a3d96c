// Precompiled statements (src/storage/precompiled.ts) on a real SQLite file. Inside a transaction they
// run directly on the connection the transaction holds: they must answer what Kysely answers, belong
// to that transaction (rolled back with it), and a statement outside any transaction must still wait
// for an open one to end rather than join it (a write acknowledged there would otherwise be undone by
// the other's rollback).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { type Database, openDatabase } from '../src/storage/database.ts';
import { Precompiled, runsAtOnce } from '../src/storage/precompiled.ts';
import type { DB } from '../src/storage/schema.ts';
import { type TestDatabase, createTestDatabase } from './support/databases.ts';

let file: TestDatabase;
let database: Database;
let db: Kysely<DB>;
before(async () => {
  file = await createTestDatabase('sqlite');
  database = await openDatabase(file.url);
  db = database.db;
});
after(async () => {
  await database.close();
  await file.drop();
});

const INSERT = new Precompiled<'id' | 'name', never>((d, slot) =>
  d.insertInto('projects').values({ id: slot('id'), name: slot('name'), name_key: slot('name'), tier: null, created_at: 1 }),
);
const RENAME = new Precompiled<'id' | 'name', { name: string }>((d, slot) =>
  d
    .updateTable('projects')
    .set({ name: slot('name') })
    .where('id', '=', slot('id'))
    .returning('name'),
);
const FIND = new Precompiled<'id', { name: string }>((d, slot) => d.selectFrom('projects').select('name').where('id', '=', slot('id')));

const names = async (id: string) => (await FIND.execute(db, { id })).rows.map((r) => r.name);

it('answers inside a transaction what it answers through Kysely outside one', async () => {
  const outside = await INSERT.execute(db, { id: 'p-out', name: 'out' });
  const inside = await db.transaction().execute((trx) => INSERT.execute(trx, { id: 'p-in', name: 'in' }));
  assert.deepEqual(
    { ...inside, insertId: typeof inside.insertId },
    { ...outside, insertId: typeof outside.insertId },
    'the same shape: rows, numAffectedRows, an insertId',
  );
  assert.equal(inside.numAffectedRows, 1n);
  assert.equal(inside.insertId, (outside.insertId ?? 0n) + 1n, 'the next rowid');
  const renamed = await db.transaction().execute((trx) => RENAME.execute(trx, { id: 'p-in', name: 'in-2' }));
  assert.deepEqual(renamed.rows, [{ name: 'in-2' }], 'RETURNING rows');
  const seen = await db.transaction().execute(async (trx) => [(await FIND.execute(trx, { id: 'p-in' })).rows, (await FIND.execute(trx, { id: 'none' })).rows]);
  assert.deepEqual(seen, [[{ name: 'in-2' }], []]);
  assert.deepEqual(await names('p-out'), ['out']);
});

it('belongs to the transaction it runs in: rolled back with it, seen by its later statements', async () => {
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await INSERT.execute(trx, { id: 'p-gone', name: 'gone' });
      assert.deepEqual((await FIND.execute(trx, { id: 'p-gone' })).rows, [{ name: 'gone' }], 'visible inside');
      assert.equal((await trx.selectFrom('projects').select('name').where('id', '=', 'p-gone').execute()).length, 1, "and to Kysely's own queries in it");
      throw new Error('roll back');
    }),
    /roll back/,
  );
  assert.deepEqual(await names('p-gone'), [], 'gone with the rollback');
});

it('outside a transaction, waits for an open one instead of joining it', async () => {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  let opened: () => void = () => {};
  const open = new Promise<void>((r) => {
    opened = r;
  });
  const failing = db.transaction().execute(async (trx) => {
    await INSERT.execute(trx, { id: 'p-rolled', name: 'rolled' });
    opened();
    await held;
    throw new Error('roll back');
  });
  await open;
  // Issued while the transaction is open; it must not run inside it.
  let written = false;
  const write = INSERT.execute(db, { id: 'p-kept', name: 'kept' }).then(() => {
    written = true;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(written, false, 'waits for the open transaction');
  release();
  await assert.rejects(failing, /roll back/);
  await write;
  assert.deepEqual(await names('p-kept'), ['kept'], 'its own write stands');
  assert.deepEqual(await names('p-rolled'), [], "the other's is rolled back");
  const count = await sql<{ n: number }>`select count(*) as n from projects where id in ('p-kept', 'p-rolled')`.execute(db);
  assert.equal(count.rows[0]?.n, 1);
});

it('answers without a promise inside a transaction (runsAtOnce), as execute does, and refuses to anywhere else', async () => {
  assert.equal(runsAtOnce(db), false, 'outside a transaction');
  assert.throws(() => RENAME.now(db, { id: 'p-now', name: 'x' }), /only inside a SQLite transaction/);
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      assert.equal(runsAtOnce(trx), true);
      await INSERT.execute(trx, { id: 'p-now', name: 'before' });
      assert.deepEqual(RENAME.now(trx, { id: 'p-now', name: 'after' }).rows, [{ name: 'after' }]);
      assert.deepEqual(FIND.now(trx, { id: 'p-now' }).rows, (await FIND.execute(trx, { id: 'p-now' })).rows);
      throw new Error('undo');
    }),
    /undo/,
  );
  assert.deepEqual(await names('p-now'), [], 'what ran at once belonged to the transaction, and was undone with it');
});
