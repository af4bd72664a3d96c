// Rows of a SQLite statement as plain objects made in JavaScript. better-sqlite3 builds each row's
// object in C++, one property at a time, which for a user's 21 columns took ~5 µs a row; made from
// its raw array (`stmt.raw(true)`) by one object literal compiled per statement, the same row takes
// under 1 µs, and every row of a statement has the same shape (docs/performance.md, 2026-12-06, last).
import type BetterSqlite3 from 'better-sqlite3';

type Row = Record<string, unknown>;
/** Makes a row's object of `columns` values. */
type Maker = { make: (values: unknown[]) => Row; columns: number };

/**
 * A statement's rows, from its raw arrays. The maker is built from the statement's columns when it
 * is prepared; SQLite prepares a statement again by itself after a change of schema (another
 * process's migration), so a row of another length builds the maker again from the columns as they
 * now are. (This process's own migrations run before it serves, and a schema change clears the
 * statement cache: storage/sqlite.ts.)
 */
export class RawRows {
  #maker: Maker;

  private constructor(private readonly stmt: BetterSqlite3.Statement) {
    this.#maker = makerOf(stmt);
    stmt.raw(true);
  }

  /** For a statement that returns rows (`stmt.reader`) and whose columns make an object literal; undefined otherwise. */
  static of(stmt: BetterSqlite3.Statement): RawRows | undefined {
    if (!stmt.reader || stmt.columns().some((c) => c.name === '__proto__')) return undefined;
    return new RawRows(stmt);
  }

  all(parameters: readonly unknown[]): Row[] {
    const values = this.stmt.all(parameters) as unknown[][];
    const rows: Row[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) rows[i] = this.#row(values[i] as unknown[]);
    return rows;
  }

  *iterate(parameters: readonly unknown[]): IterableIterator<Row> {
    for (const values of this.stmt.iterate(parameters) as IterableIterator<unknown[]>) yield this.#row(values);
  }

  #row(values: unknown[]): Row {
    if (values.length !== this.#maker.columns) this.#maker = makerOf(this.stmt);
    return this.#maker.make(values);
  }
}

/**
 * `(values) => ({ "a": values[0], "b": values[1], … })` for the statement's columns. Column
 * names are JSON string literals in it, so no name is code; two columns of one name keep the last
 * value at the first one's place, as better-sqlite3's objects do. `__proto__` is left out by the caller
 * (in a literal it would set the prototype).
 */
function makerOf(stmt: BetterSqlite3.Statement): Maker {
  const names = stmt.columns().map((c) => c.name);
  const fields = names.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(', ');
  return { make: new Function('values', `return { ${fields} };`) as Maker['make'], columns: names.length };
}
