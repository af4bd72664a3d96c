// Projects (tenants) and their keys. Shared by the CLI and `npm start`'s first-run bootstrap.
import { formatApiKey, formatKeyPairHeader, hashSecret, newId, newSecret } from '../credentials.ts';
import type { Deps } from '../deps.ts';
import * as projects from '../repos/projects.ts';
import type { Kysely } from 'kysely';
import { OperatorError } from '../errors.ts';
import { isUniqueViolation } from '../storage/dialect.ts';
import type { DB, KeyType } from '../storage/schema.ts';

/** The documented tiers. A project without one cannot use the OneTalk Integration API. */
export const TIERS = ['free', 'pro', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

export function isTier(value: string): value is Tier {
  return (TIERS as readonly string[]).includes(value);
}

/** A key as shown once, at creation. */
export type CreatedKey = { type: 'server' | 'app'; id: string; secret: string; header: string } | { type: 'api'; id: string; key: string };

export interface CreatedProject {
  projectID: string;
  name: string;
  tier: string | null;
  serverKey: { id: string; secret: string; header: string };
  apiKey: string;
  appKey: { id: string; secret: string; header: string };
}

export class NotFoundError extends Error {}

type PairKey = { id: string; secret: string; header: string };

async function storeKey(db: Kysely<DB>, now: number, projectId: string, type: KeyType, id: string, secret: string) {
  await projects.insertKey(db, {
    id,
    projectId,
    type,
    secretHash: hashSecret(secret),
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  });
}

async function createPairKey(db: Kysely<DB>, now: number, projectId: string, type: 'server' | 'app'): Promise<PairKey> {
  const id = newId(type === 'server' ? 'serverKey' : 'appKey');
  const secret = newSecret();
  await storeKey(db, now, projectId, type, id, secret);
  return { id, secret, header: formatKeyPairHeader(id, secret) };
}

async function createApiKey(db: Kysely<DB>, now: number, projectId: string): Promise<{ id: string; key: string }> {
  const id = newId('apiKey');
  const secret = newSecret();
  await storeKey(db, now, projectId, 'api', id, secret);
  return { id, key: formatApiKey(id, secret) };
}

export async function createKey(deps: Deps, projectId: string, type: KeyType): Promise<CreatedKey> {
  if (!(await projects.projectExists(deps.db, projectId))) throw new NotFoundError(`no project with id ${projectId}`);
  const now = deps.clock.now();
  return type === 'api' ? { type, ...(await createApiKey(deps.db, now, projectId)) } : { type, ...(await createPairKey(deps.db, now, projectId, type)) };
}

/**
 * Creates a project with one key of each type; the secrets are returned once and never again. Names
 * are unique as repos/projects.ts's nameKey compares them: a taken one is an OperatorError.
 */
export async function createProject(deps: Deps, input: { name: string; tier: Tier | null }): Promise<CreatedProject> {
  const now = deps.clock.now();
  const project = { id: newId('project'), name: input.name.trim(), tier: input.tier, createdAt: now };
  const taken = () =>
    new OperatorError(`a project named "${project.name}" exists already (names are compared ignoring case and extra spaces): choose another name`);
  if ((await projects.findProjectByName(deps.db, project.name)) !== undefined) throw taken();
  try {
    return await deps.db.transaction().execute(async (trx) => {
      await projects.insertProject(trx, project);
      const serverKey = await createPairKey(trx, now, project.id, 'server');
      const apiKey = await createApiKey(trx, now, project.id);
      const appKey = await createPairKey(trx, now, project.id, 'app');
      return { projectID: project.id, name: project.name, tier: project.tier, serverKey, apiKey: apiKey.key, appKey };
    });
  } catch (err) {
    // Another process took the name between the look and the insert.
    if (isUniqueViolation(err)) throw taken();
    throw err;
  }
}

export async function selectTier(deps: Deps, projectId: string, tier: Tier): Promise<void> {
  if (!(await projects.setProjectTier(deps.db, projectId, tier))) throw new NotFoundError(`no project with id ${projectId}`);
  deps.authCache.invalidate({ kind: 'keys' });
}

export async function revokeKey(deps: Deps, keyId: string): Promise<void> {
  if (!(await projects.revokeKey(deps.db, keyId, deps.clock.now()))) {
    throw new NotFoundError(`no active key with id ${keyId}`);
  }
  deps.keyUsageWrites.delete(keyId);
  deps.authCache.invalidate({ kind: 'key', id: keyId });
}

export const listProjects = (deps: Deps) => projects.listProjects(deps.db);
export const listKeys = (deps: Deps, projectId: string) => projects.listKeys(deps.db, projectId);

/**
 * First run of `npm start`: when the database holds no project yet, create `default` (tier free)
 * so the README's walk-through works at once. Returns the project when it created one.
 */
export async function ensureDefaultProject(deps: Deps): Promise<CreatedProject | undefined> {
  if ((await projects.countProjects(deps.db)) > 0) return undefined;
  return createProject(deps, { name: 'default', tier: 'free' });
}

/**
 * The id of the project `idOrName` names, for every CLI flag that takes a project: an existing id wins,
 * then the name (compared as names are kept unique); NotFoundError otherwise.
 */
export async function resolveProject(deps: Deps, idOrName: string): Promise<string> {
  if (await projects.projectExists(deps.db, idOrName)) return idOrName;
  const named = await projects.findProjectByName(deps.db, idOrName);
  if (named !== undefined) return named.id;
  throw new NotFoundError(`no project with id or name "${idOrName}" (parley project list shows them)`);
}
