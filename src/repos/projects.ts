import type { Kysely } from 'kysely';
import type { DB, KeyType } from '../storage/schema.ts';

export interface Project {
  id: string;
  name: string;
  tier: string | null;
  createdAt: number;
}

export interface KeyRecord {
  id: string;
  projectId: string;
  type: KeyType;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/**
 * What makes two project names the same (docs/operations.md): leading and trailing whitespace and the
 * width of whitespace runs do not count, nor letter case (Unicode lower case after NFC). Migration
 * 0012_project_names holds a frozen copy.
 */
export const nameKey = (name: string) => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();

/** A unique violation when another project has the same name key. */
export async function insertProject(db: Kysely<DB>, project: Project): Promise<void> {
  await db
    .insertInto('projects')
    .values({ id: project.id, name: project.name, name_key: nameKey(project.name), tier: project.tier, created_at: project.createdAt })
    .execute();
}

/** The project whose name has the same key as `name`. */
export async function findProjectByName(db: Kysely<DB>, name: string): Promise<Project | undefined> {
  const row = await db.selectFrom('projects').select(['id', 'name', 'tier', 'created_at']).where('name_key', '=', nameKey(name)).executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, name: row.name, tier: row.tier, createdAt: row.created_at };
}

export async function listProjects(db: Kysely<DB>): Promise<Project[]> {
  const rows = await db.selectFrom('projects').select(['id', 'name', 'tier', 'created_at']).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, tier: r.tier, createdAt: r.created_at }));
}

export async function projectExists(db: Kysely<DB>, projectId: string): Promise<boolean> {
  const row = await db.selectFrom('projects').select('id').where('id', '=', projectId).executeTakeFirst();
  return row !== undefined;
}

/** The ids of the projects with this id or this name (names need not be unique). */
export async function findProjectIds(db: Kysely<DB>, idOrName: string): Promise<string[]> {
  const rows = await db
    .selectFrom('projects')
    .select('id')
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .limit(2)
    .execute();
  return rows.map((r) => r.id);
}

export async function countProjects(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('projects')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Returns false when no such project exists. */
export async function setProjectTier(db: Kysely<DB>, projectId: string, tier: string | null): Promise<boolean> {
  const result = await db.updateTable('projects').set({ tier }).where('id', '=', projectId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function insertKey(db: Kysely<DB>, key: KeyRecord & { secretHash: string }): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({
      id: key.id,
      project_id: key.projectId,
      type: key.type,
      secret_hash: key.secretHash,
      created_at: key.createdAt,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
}

export async function listKeys(db: Kysely<DB>, projectId: string): Promise<KeyRecord[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(['id', 'project_id', 'type', 'created_at', 'last_used_at', 'revoked_at'])
    .where('project_id', '=', projectId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    projectId: r.project_id,
    type: r.type,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

/** Marks a key revoked; false when it does not exist or was already revoked. */
export async function revokeKey(db: Kysely<DB>, keyId: string, now: number): Promise<boolean> {
  const result = await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', keyId).where('revoked_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export interface KeyForAuth {
  projectId: string;
  secretHash: string;
  revoked: boolean;
  tier: string | null;
}

/** One indexed read: the key of the given type with its project's tier. */
export async function findKeyForAuth(db: Kysely<DB>, keyId: string, type: KeyType): Promise<KeyForAuth | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('projects', 'projects.id', 'api_keys.project_id')
    .select(['api_keys.project_id', 'api_keys.secret_hash', 'api_keys.revoked_at', 'projects.tier'])
    .where('api_keys.id', '=', keyId)
    .where('api_keys.type', '=', type)
    .executeTakeFirst();
  if (!row) return undefined;
  return { projectId: row.project_id, secretHash: row.secret_hash, revoked: row.revoked_at !== null, tier: row.tier };
}

export async function touchKey(db: Kysely<DB>, keyId: string, now: number): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', keyId).execute();
}

export async function findAppKeyBySecretHash(db: Kysely<DB>, secretHash: string) {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('projects', 'projects.id', 'api_keys.project_id')
    .select(['api_keys.id', 'api_keys.project_id', 'api_keys.revoked_at', 'projects.tier'])
    .where('api_keys.secret_hash', '=', secretHash)
    .where('api_keys.type', '=', 'app')
    .executeTakeFirst();
  if (!row) return undefined;
  return { id: row.id, projectId: row.project_id, revoked: row.revoked_at !== null, tier: row.tier };
}

/** Which of these keys are revoked (or gone). */
export async function findKeysRevoked(db: Kysely<DB>, keyIds: string[]): Promise<string[]> {
  if (keyIds.length === 0) return [];
  const live = await db.selectFrom('api_keys').select('id').where('id', 'in', keyIds).where('revoked_at', 'is', null).execute();
  const alive = new Set(live.map((r) => r.id));
  return keyIds.filter((id) => !alive.has(id));
}
