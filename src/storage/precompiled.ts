// Hot queries built and compiled by Kysely once per database, then run with new values. Building
// and compiling a query costs about as much as running a small indexed one on SQLite; the SQL text
// stays the very same string, so the statement cache finds it at once.
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { DB } from './schema.ts';

/** Marks a value slot while the query is compiled once. */
const SLOT = '\u0000parley-slot:';

export class Precompiled<K extends string, R> {
  readonly #compiled = new WeakMap<object, { query: CompiledQuery<R>; slots: Array<K | undefined> }>();

  /**
   * `build` makes the query with `slot(name)` where each value goes (each slot exactly once, or more
   * times for the same value); every other parameter keeps what `build` gave it.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a slot stands in for a value of any column type
  constructor(private readonly build: (db: Kysely<DB>, slot: (name: K) => any) => Compilable<R>) {}

  async execute(db: Kysely<DB>, values: Record<K, unknown>): Promise<QueryResult<R>> {
    // Transactions of one database share its executor's adapter; key on the executor's compiler.
    const key = db.getExecutor().adapter;
    let entry = this.#compiled.get(key);
    if (entry === undefined) {
      const query = this.build(db, (name) => `${SLOT}${name}`).compile();
      const slots = query.parameters.map((p) => (typeof p === 'string' && p.startsWith(SLOT) ? (p.slice(SLOT.length) as K) : undefined));
      entry = { query, slots };
      this.#compiled.set(key, entry);
    }
    const { query, slots } = entry;
    const parameters = query.parameters.map((p, i) => {
      const slot = slots[i];
      return slot === undefined ? p : values[slot];
    });
    return db.executeQuery<R>({ ...query, parameters });
  }
}
