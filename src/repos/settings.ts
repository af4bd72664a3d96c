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
