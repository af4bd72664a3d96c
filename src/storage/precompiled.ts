// Hot queries built and compiled by Kysely once per database, then run with new values. Building
// and compiling a query costs about as much as running a small indexed one on SQLite; the SQL text
// stays the very same string, so the statement cache finds it at once.
//
// On SQLite, inside a transaction, the statement runs at once on the connection the transaction holds
// (`runDirectlyInTransactions`): better-sqlite3 is synchronous and the transaction owns the one
// connection, so Kysely's connection provider, its lock and its promise per layer add nothing there.
// Outside a transaction the query goes through Kysely, which waits for an open transaction to end.
import type { Compilable, CompiledQuery, Kysely, QueryResult, SqliteStatement } from 'kysely';
import type { DB } from './schema.ts';

/** Marks a value slot while the query is compiled once. */
const SLOT = '\u0000parley-slot:';

/** Prepares the statements of a SQLite database (its statement cache, which also watches for damage). */
interface DirectStatements {
  prepare(sql: string): SqliteStatement;
}

/** SQLite databases whose transactions run precompiled statements directly, by their executor's adapter. */
const DIRECT = new WeakMap<object, DirectStatements>();

/** Lets `db`'s transactions run precompiled statements directly (not with Kysely's query log: it would miss them). */
export function runDirectlyInTransactions(db: Kysely<DB>, statements: DirectStatements): void {
  DIRECT.set(db.getExecutor().adapter, statements);
}

/** What Kysely's SQLite connection answers for a statement (kysely's SqliteConnection.executeQuery). */
function runStatement<R>(stmt: SqliteStatement, parameters: readonly unknown[]): QueryResult<R> {
  if (stmt.reader) return { rows: stmt.all(parameters) as R[] };
  const { changes, lastInsertRowid } = stmt.run(parameters);
  return {
    numAffectedRows: changes !== undefined && changes !== null ? BigInt(changes) : undefined,
    insertId: lastInsertRowid !== undefined && lastInsertRowid !== null ? BigInt(lastInsertRowid) : undefined,
    rows: [],
  };
}

export class Precompiled<K extends string, R> {
  readonly #compiled = new WeakMap<object, Compiled<K, R>>();

  /**
   * `build` makes the query with `slot(name)` where each value goes (each slot exactly once, or more
   * times for the same value); every other parameter keeps what `build` gave it.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a slot stands in for a value of any column type
  constructor(private readonly build: (db: Kysely<DB>, slot: (name: K) => any) => Compilable<R>) {}

  async execute(db: Kysely<DB>, values: Record<K, unknown>): Promise<QueryResult<R>> {
    const entry = this.#entry(db);
    const parameters = bind(entry, values);
    const statement = directStatement(db, entry);
    return statement === undefined ? db.executeQuery<R>({ ...entry.query, parameters }) : runStatement<R>(statement, parameters);
  }

  /**
   * The answer without a promise, where the statement runs at once (`runsAtOnce`: inside a SQLite
   * transaction). Callers check that first; anywhere else this throws.
   */
  now(db: Kysely<DB>, values: Record<K, unknown>): QueryResult<R> {
    const entry = this.#entry(db);
    const statement = directStatement(db, entry);
    if (statement === undefined) throw new Error('a precompiled statement runs at once only inside a SQLite transaction');
    return runStatement<R>(statement, bind(entry, values));
  }

  #entry(db: Kysely<DB>): Compiled<K, R> {
    // Transactions of one database share its executor's adapter; key on the executor's compiler.
    const key = db.getExecutor().adapter;
    let entry = this.#compiled.get(key);
    if (entry === undefined) {
      const query = this.build(db, (name) => `${SLOT}${name}`).compile();
      const slots = query.parameters.map((p) => (typeof p === 'string' && p.startsWith(SLOT) ? (p.slice(SLOT.length) as K) : undefined));
      entry = { query, slots };
      this.#compiled.set(key, entry);
    }
    return entry;
  }
}

/** A query compiled once, its value slots, and (SQLite) its prepared statement. */
interface Compiled<K extends string, R> {
  query: CompiledQuery<R>;
  slots: Array<K | undefined>;
  statement?: SqliteStatement;
}

function bind<K extends string, R>({ query, slots }: Compiled<K, R>, values: Record<K, unknown>): unknown[] {
  return query.parameters.map((p, i) => {
    const slot = slots[i];
    return slot === undefined ? p : values[slot];
  });
}

/** The prepared statement to run directly, when `db` is a transaction of a SQLite database. */
function directStatement<K extends string, R>(db: Kysely<DB>, entry: Compiled<K, R>): SqliteStatement | undefined {
  const direct = db.isTransaction ? DIRECT.get(db.getExecutor().adapter) : undefined;
  if (direct === undefined) return undefined;
  entry.statement ??= direct.prepare(entry.query.sql);
  return entry.statement;
}

/** True where precompiled statements run at once (`Precompiled.now`): inside a transaction of a SQLite database. */
export function runsAtOnce(db: Kysely<DB>): boolean {
  return db.isTransaction && DIRECT.has(db.getExecutor().adapter);
}
