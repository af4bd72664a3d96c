// Rows of SQLite statements made from raw arrays (src/storage/sqlite-rows.ts), on a real SQLite file:
// each row must be the object better-sqlite3 itself makes, key for key and in its order, and stay so
// when the schema changes under a cached statement (this process's migration, or another process's).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { type Database, openDatabase } from '../src/storage/database.ts';
import type { DB } from '../src/storage/schema.ts';
import { type TestDatabase, createTestDatabase } from './support/databases.ts';

let file: TestDatabase;
let database: Database;
let db: Kysely<DB>;
/** A second connection to the same file, with better-sqlite3's own row objects. */
let other: BetterSqlite3.Database;
before(async () => {
  file = await createTestDatabase('sqlite');
  database = await openDatabase(file.url);
  db = database.db;
  other = new BetterSqlite3(file.url.replace(/^sqlite:/, ''));
  other.exec(`create table t (a integer, b text, c real, d blob);
    insert into t values (1, 'one', 1.5, x'0102'), (2, null, null, null), (9007199254740991, 'é 👋', -0.25, x'');`);
});
after(async () => {
  other.close();
  await database.close();
  await file.drop();
});

/** Rows through Parley's connection, and as better-sqlite3 makes them, for one SQL text. */
async function both(text: string) {
  const ours = (await sql.raw<Record<string, unknown>>(text).execute(db)).rows;
  return { ours, theirs: other.prepare(text).all() as Record<string, unknown>[] };
}

it('makes the objects better-sqlite3 makes: values, types, keys and their order', async () => {
  for (const text of [
    'select * from t order by a',
    // Two columns of one name: the last value, at the first one's place.
    'select x.a, x.b, y.b, y.a from t x join t y on y.a = x.a order by x.a',
    'select count(*), max(c) as "max c", null as "", 1 as "a""b" from t',
    'select * from t where a < 0',
  ]) {
    const { ours, theirs } = await both(text);
    assert.deepEqual(ours, theirs, text);
    assert.deepEqual(
      ours.map((r) => Object.keys(r)),
      theirs.map((r) => Object.keys(r)),
      text,
    );
  }
  // Rows of a write's RETURNING too.
  const returned = (await sql<{ a: number; b: string }>`update t set b = 'two' where a = 2 returning *`.execute(db)).rows;
  assert.deepEqual(returned, [{ a: 2, b: 'two', c: null, d: null }]);
});

it('leaves a statement with a column named __proto__ to better-sqlite3 (in an object literal it would set the prototype)', async () => {
  const text = 'select 1 as "__proto__", 2 as b';
  const { ours, theirs } = await both(text);
  assert.deepEqual(ours, theirs);
  assert.equal(Object.getPrototypeOf(ours[0]), Object.prototype);
  assert.equal(ours[0]?.b, 2);
});

it("reads a cached statement's rows by the columns as they are after this process's own change of schema", async () => {
  await db.schema.createTable('s').addColumn('a', 'integer').addColumn('b', 'text').addColumn('c', 'text').execute();
  await sql`insert into s values (1, 'b', 'c')`.execute(db);
  assert.deepEqual((await sql.raw('select * from s').execute(db)).rows, [{ a: 1, b: 'b', c: 'c' }]);
  // As many columns as before, in other places: only preparing the statement again reads them right.
  await db.schema.alterTable('s').dropColumn('b').execute();
  await db.schema
    .alterTable('s')
    .addColumn('d', 'text', (c) => c.defaultTo('d'))
    .execute();
  assert.deepEqual((await sql.raw('select * from s').execute(db)).rows, [{ a: 1, c: 'c', d: 'd' }]);
});

it("reads a cached statement's rows by the columns as they are after another process added one", async () => {
  other.exec("create table u (a integer, b text); insert into u values (1, 'b');");
  assert.deepEqual((await sql.raw('select * from u').execute(db)).rows, [{ a: 1, b: 'b' }]);
  other.exec("alter table u add column c text default 'c'");
  assert.deepEqual((await sql.raw('select * from u').execute(db)).rows, [{ a: 1, b: 'b', c: 'c' }]);
});
