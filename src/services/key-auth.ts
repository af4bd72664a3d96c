// Authenticates a server, API or app key from its header value.
import { hashSecret, parseApiKey, parseKeyPairHeader, secretMatches } from '../credentials.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { findAppKeyBySecretHash, findKeyForAuth, touchKey } from '../repos/projects.ts';
import type { KeyType } from '../storage/schema.ts';

export interface KeyAuth {
  projectId: string;
  keyId: string;
  tier: string | null;
}

export const KEY_HEADER: Record<KeyType, string> = { server: 'Server-Key', api: 'API-Key', app: 'App-Key' };

/** last_used_at is written at most this often per key and process, so it costs no write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The id and secret a key header carries, unverified: `id.secret` for API keys, `base64(id:secret)`
 * for the others. A repeated header arrives as an array: ambiguous, so undefined.
 */
export function parseKeyHeader(type: KeyType, headerValue: unknown): { id: string; secret: string } | undefined {
  if (typeof headerValue !== 'string') return undefined;
  return type === 'api' ? parseApiKey(headerValue.trim()) : parseKeyPairHeader(headerValue.trim());
}

export async function authenticateKey(deps: Deps, type: KeyType, headerValue: string | string[] | undefined): Promise<KeyAuth> {
  const header = KEY_HEADER[type];
  if (headerValue === undefined || headerValue === '') {
    throw new ApiError('HeaderValidationFailed', { message: `Request headers are required (${header})` });
  }
  // A repeated header arrives as an array: ambiguous, so refused as malformed.
  const parsed = parseKeyHeader(type, headerValue);
  if (parsed === undefined) throw new ApiError('KeyMalformed', { message: `Malformed key (${header})` });

  const cacheKey = `${type}:${parsed.id}`;
  let key = deps.authCache.keys.get(cacheKey);
  if (key === undefined) {
    const epoch = deps.authCache.epoch();
    key = await findKeyForAuth(deps.db, parsed.id, type);
    if (key !== undefined && epoch === deps.authCache.epoch()) deps.authCache.keys.set(cacheKey, key);
  }
  // Hash and compare even when the key is unknown, so timing does not tell which ids exist.
  const matches = secretMatches(parsed.secret, key?.secretHash ?? '0'.repeat(64));
  if (key === undefined || !matches || key.revoked) {
    throw new ApiError('KeyInvalid', { message: `Unknown or revoked key (${header})` });
  }

  recordKeyUse(deps, parsed.id);
  return { projectId: key.projectId, keyId: parsed.id, tier: key.tier };
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

/**
 * authenticateKey without waiting, for fast paths: the key when the cache holds it and it checks
 * out; undefined in every other case (the caller then takes the full path, which explains why).
 */
export function cachedKey(deps: Deps, type: KeyType, headerValue: string | string[] | undefined): KeyAuth | undefined {
  const parsed = parseKeyHeader(type, headerValue);
  if (parsed === undefined) return undefined;
  const key = deps.authCache.keys.get(`${type}:${parsed.id}`);
  if (key === undefined || key.revoked || !secretMatches(parsed.secret, key.secretHash)) return undefined;
  recordKeyUse(deps, parsed.id);
  return { projectId: key.projectId, keyId: parsed.id, tier: key.tier };
}

/** OneTalk Integration API calls need a project with a tier. */
export function requireTier(auth: KeyAuth): void {
  if (auth.tier === null) throw new ApiError('TierNotSelected');
}

/**
 * OneTalk Live Chat clients send the app key's secret alone (`Secret-Key`). The secret is 256 random
 * bits, so looking it up by its SHA-256 reveals nothing a comparison would not.
 */
export async function authenticateAppSecret(deps: Deps, headerValue: string | string[] | undefined): Promise<KeyAuth> {
  if (headerValue === undefined || headerValue === '') {
    throw new ApiError('HeaderValidationFailed', { message: 'Request headers are required (Secret-Key)' });
  }
  if (typeof headerValue !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(headerValue.trim())) {
    throw new ApiError('KeyMalformed', { message: 'Malformed key (Secret-Key)' });
  }
  const key = await findAppKeyBySecretHash(deps.db, hashSecret(headerValue.trim()));
  if (key === undefined || key.revoked) throw new ApiError('KeyInvalid', { message: 'Unknown or revoked key (Secret-Key)' });
  return { projectId: key.projectId, keyId: key.id, tier: key.tier };
}
