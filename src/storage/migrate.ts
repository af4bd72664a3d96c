import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_core.ts';
import * as m0002 from './migrations/0002_sessions.ts';
import * as m0003 from './migrations/0003_chat.ts';
import * as m0004 from './migrations/0004_ticket_watermarks.ts';
import * as m0007 from './migrations/0007_people.ts';
import * as m0008 from './migrations/0008_server_api.ts';
import * as m0009 from './migrations/0009_files.ts';
import * as m0010 from './migrations/0010_state.ts';
import * as m0011 from './migrations/0011_retention.ts';
import * as m0012 from './migrations/0012_project_names.ts';
import * as m0013 from './migrations/0013_livechat.ts';
import * as m0014 from './migrations/0014_agent_sessions.ts';
import * as m0015 from './migrations/0015_room_locks.ts';
import * as m0016 from './migrations/0016_message_cursor.ts';
import * as m0017 from './migrations/0017_changed_messages.ts';

// One explicit, ordered list: no folder scanning.
const MIGRATIONS: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_sessions': m0002,
  '0003_chat': m0003,
  '0004_ticket_watermarks': m0004,
  '0007_people': m0007,
  '0008_server_api': m0008,
  '0009_files': m0009,
  '0010_state': m0010,
  '0011_retention': m0011,
  '0012_project_names': m0012,
  '0013_livechat': m0013,
  '0014_agent_sessions': m0014,
  '0015_room_locks': m0015,
  '0016_message_cursor': m0016,
  '0017_changed_messages': m0017,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).at(-1) as string;

export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider });
}

/**
 * Runs every pending migration; returns the names that ran. Throws with the failing name, or when a
 * newer Parley migrated the database (this code would not know its schema). Kysely's migration lock
 * makes nodes that start together run them once: the others wait, then find nothing to do.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const newer = (await executedMigrations(db)).filter((name) => !(name in MIGRATIONS));
  if (newer.length > 0) {
    throw new Error(`the database schema is newer than this Parley (migration ${newer.sort().at(-1)} is unknown to it): run a Parley at least as new`);
  }
  const { error, results } = await createMigrator(db).migrateToLatest();
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // No failed migration: the database itself could not be reached or read.
    throw new Error(failed === undefined ? `cannot open the database: ${message}` : `migration ${failed} failed: ${message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The names of the migrations the database has run; none when it has no migration table yet (or cannot be read). */
async function executedMigrations(db: Kysely<any>): Promise<string[]> {
  try {
    const rows = await db.selectFrom('kysely_migration').select('name').execute();
    return rows.map((r) => String(r.name));
  } catch {
    return [];
  }
}

/** True when every known migration has run (for readiness checks). */
export async function migrationsCurrent(db: Kysely<any>): Promise<boolean> {
  const all = await createMigrator(db).getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}
