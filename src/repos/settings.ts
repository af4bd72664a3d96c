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

/** Sets a setting only if it still holds `expected` (absent: undefined); false when another process changed it first. */
export async function replaceSetting(db: Kysely<DB>, name: string, expected: string | undefined, value: string): Promise<boolean> {
  if (expected === undefined) {
    const result = await db
      .insertInto('settings')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }
  const result = await db.updateTable('settings').set({ value }).where('name', '=', name).where('value', '=', expected).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
