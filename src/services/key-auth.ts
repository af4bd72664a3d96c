// Checks a presented server, API or app key (header parsing: http/credential-headers.ts).
import { KEY_HEADER, type PresentedKey, hashSecret, secretMatches } from '../credentials.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { type KeyForAuth, findAppKeyBySecretHash, findKeyForAuth, touchKey } from '../repos/projects.ts';
import type { KeyType } from '../storage/schema.ts';

export interface KeyAuth {
  projectId: string;
  keyId: string;
  tier: string | null;
}

/** last_used_at is written at most this often per key and process, so it costs no write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const invalid = (type: KeyType) => new ApiError('KeyInvalid', { message: `Unknown or revoked key (${KEY_HEADER[type]})` });

/** Checks a presented server, API or app key: 491 / 49103 when it is unknown, wrong or revoked. */
export async function authenticateKey(deps: Deps, type: KeyType, parsed: PresentedKey): Promise<KeyAuth> {
  const cacheKey = `${type}:${parsed.id}`;
  let key = deps.authCache.keys.get(cacheKey);
  if (key === undefined) {
    const epoch = deps.authCache.epoch();
    key = await findKeyForAuth(deps.db, parsed.id, type);
    if (key !== undefined && epoch === deps.authCache.epoch()) deps.authCache.keys.set(cacheKey, key);
  }
  // Hash and compare even when the key is unknown, so timing does not tell which ids exist.
  const matches = secretMatches(parsed.secret, key?.secretHash ?? '0'.repeat(64));
  if (key === undefined || !matches || key.revoked) throw invalid(type);
  return keyUsed(deps, parsed.id, key);
}

/** Notes the key's use, writing last_used_at at most once a minute per process. */
function recordKeyUse(deps: Deps, keyId: string): void {
  const now = deps.clock.now();
  const last = deps.keyUsageWrites.get(keyId);
  if (last === undefined || now - last >= LAST_USED_RESOLUTION_MS) {
    deps.keyUsageWrites.set(keyId, now);
    touchKey(deps.db, keyId, now).catch((err: unknown) => deps.logger.warn({ err }, 'could not record key use'));
  }
}

/** The cached, unrevoked key `id` of `type`, unchecked against any secret: for fast paths, which check the secret themselves. */
export function cachedKeyFor(deps: Deps, type: KeyType, id: string): KeyForAuth | undefined {
  const key = deps.authCache.keys.get(`${type}:${id}`);
  return key === undefined || key.revoked ? undefined : key;
}

/** A key whose secret checked out: its use noted, and what its request carries. */
export function keyUsed(deps: Deps, keyId: string, key: KeyForAuth): KeyAuth {
  recordKeyUse(deps, keyId);
  return { projectId: key.projectId, keyId, tier: key.tier };
}

/** OneTalk Integration API calls need a project with a tier. */
export function requireTier(auth: KeyAuth): void {
  if (auth.tier === null) throw new ApiError('TierNotSelected');
}

/**
 * OneTalk Live Chat clients send the app key's secret alone (`Secret-Key`). The secret is 256 random
 * bits, so looking it up by its SHA-256 reveals nothing a comparison would not.
 */
export async function authenticateAppSecret(deps: Deps, secret: string): Promise<KeyAuth> {
  const key = await findAppKeyBySecretHash(deps.db, hashSecret(secret));
  if (key === undefined || key.revoked) throw new ApiError('KeyInvalid', { message: 'Unknown or revoked key (Secret-Key)' });
  return { projectId: key.projectId, keyId: key.id, tier: key.tier };
}
