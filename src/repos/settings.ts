import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';

/**
 * Reads a setting, creating it with `make()` when absent. Concurrent processes converge on
 * whichever value was inserted first.
 */
export async function getOrCreateSetting(db: Kysely<DB>, name: string, make: () => string): Promise<string> {
  await db
    .insertInto('settings')
    .values({ name, value: make() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}

export async function findSetting(db: Kysely<DB>, name: string): Promise<string | undefined> {
  const row = await db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
  return row?.value;
}

export async function setSetting(db: Kysely<DB>, name: string, value: string): Promise<void> {
  await db
    .insertInto('settings')
    .values({ name, value })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
    .execute();
}

export async function deleteSetting(db: Kysely<DB>, name: string): Promise<void> {
  await db.deleteFrom('settings').where('name', '=', name).execute();
}
