// Frozen: project names are unique, compared by a key (trimmed, whitespace runs as one space, NFC,
// lower case) kept in `name_key` with a unique index. A database that already holds names sharing a
// key keeps the oldest as it is; each later one is renamed "<name> (2)", "<name> (3)", … (docs/operations.md).
import type { Kysely } from 'kysely';

/** The same rule as repos/projects.ts's nameKey, copied: a migration imports no app code. */
const keyOf = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('projects')
    .addColumn('name_key', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  const rows: Array<{ id: string; name: string }> = await db.selectFrom('projects').select(['id', 'name']).orderBy('created_at').orderBy('id').execute();
  const taken = new Set<string>();
  for (const row of rows) {
    let name = row.name;
    for (let n = 2; taken.has(keyOf(name)); n++) name = `${row.name.trim()} (${n})`;
    taken.add(keyOf(name));
    await db
      .updateTable('projects')
      .set({ name, name_key: keyOf(name) })
      .where('id', '=', row.id)
      .execute();
  }
  await db.schema.createIndex('projects_name_key').unique().on('projects').column('name_key').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('projects_name_key').execute();
  await db.schema.alterTable('projects').dropColumn('name_key').execute();
}
