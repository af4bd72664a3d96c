// Reading credentials out of request headers (and the socket URL's query). Only this layer knows
// header names and formats; services get the parsed values.
import { KEY_HEADER, type PresentedKey, parseApiKey, parseKeyPairHeader } from '../credentials.ts';
import { ApiError } from '../errors.ts';
import type { KeyType } from '../storage/schema.ts';

/**
 * The id and secret a key header carries, unverified: `id.secret` for API keys, `base64(id:secret)`
 * for the others. A repeated header arrives as an array: ambiguous, so undefined.
 */
export function parseKeyHeader(type: KeyType, value: unknown): PresentedKey | undefined {
  if (typeof value !== 'string') return undefined;
  return type === 'api' ? parseApiKey(value.trim()) : parseKeyPairHeader(value.trim());
}

/** The key a header presents; 40001 when it is missing, 491 / 49102 when it is malformed. */
export function keyFromHeader(type: KeyType, value: unknown): PresentedKey {
  const header = KEY_HEADER[type];
  if (value === undefined || value === '') throw new ApiError('HeaderValidationFailed', { message: `Request headers are required (${header})` });
  const parsed = parseKeyHeader(type, value);
  if (parsed === undefined) throw new ApiError('KeyMalformed', { message: `Malformed key (${header})` });
  return parsed;
}

/** OneTalk Live Chat's `Secret-Key`: the app key's secret alone; 40001 / 49102 as for keys. */
export function appSecretFromHeader(value: unknown): string {
  if (value === undefined || value === '') throw new ApiError('HeaderValidationFailed', { message: 'Request headers are required (Secret-Key)' });
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(value.trim())) throw new ApiError('KeyMalformed', { message: 'Malformed key (Secret-Key)' });
  return value.trim();
}

/** The token of `Bearer <token>`, or undefined. */
export function parseBearer(value: unknown): string | undefined {
  return typeof value === 'string' ? /^Bearer +(\S+)$/i.exec(value.trim())?.[1] : undefined;
}

/** The token of `Authorization: Bearer <token>`; 40101 when missing, 40102 when not a Bearer value. */
export function bearerToken(value: unknown): string {
  if (value === undefined || value === '') throw new ApiError('AuthorizationMissing');
  const token = parseBearer(value);
  if (token === undefined) throw new ApiError('AuthorizationInvalid');
  return token;
}
