// Opaque credentials: prefixed time-sortable ids, random secrets, SHA-256 at rest, constant-time comparison.
import { hash, randomFillSync, randomUUID, timingSafeEqual } from 'node:crypto';
import { ulid } from 'ulid';
import type { KeyType } from './storage/schema.ts';

/** The header each kind of key travels in. */
export const KEY_HEADER: Record<KeyType, string> = { server: 'Server-Key', api: 'API-Key', app: 'App-Key' };

/** A key (or refresh token) as presented: its id and secret, unverified. */
export interface PresentedKey {
  id: string;
  secret: string;
}

/** The closed table of id prefixes. */
export const ID_PREFIX = {
  project: 'prj',
  serverKey: 'srv',
  apiKey: 'api',
  appKey: 'app',
  session: 'ses',
  refreshToken: 'rft',
  webhookEndpoint: 'whe',
  webhookMessage: 'msg',
  agentSession: 'ags',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

// ulid's own randomness asks the OS for one byte at a time, 16 calls an id (~80 µs, most of the cost of
// a webhook announcement): the same kind of bytes, drawn from a buffer filled 4 KiB at a time.
// Secrets draw from the same pool: `randomBytes(32)` was a job of its own each time, ≈ 8 µs of a loaded
// process for every refresh token (docs/performance.md).
const randomPool = Buffer.alloc(4096);
let randomAt = randomPool.length;

/** Where the next `n` bytes of the pool start (refilled from the OS when fewer are left). */
function takeRandom(n: number): number {
  if (randomAt + n > randomPool.length) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  randomAt += n;
  return randomAt - n;
}

function pooledRandom(): number {
  return (randomPool[takeRandom(1)] as number) / 256;
}

export function newId(kind: IdKind): string {
  return `${ID_PREFIX[kind]}_${ulid(undefined, pooledRandom).toLowerCase()}`;
}

/**
 * A version-7 UUID (RFC 9562) of `ms`: its first 48 bits are the time, the rest a random v4's. Ids
 * minted in time order are appended at the end of an index instead of landing on a random page: a
 * ticket's id is the key of its record, written at redemption (docs/performance.md).
 */
export function uuidV7(ms: number): string {
  if (ms !== v7.ms) {
    const time = ms.toString(16).padStart(12, '0');
    v7.ms = ms;
    v7.head = `${time.slice(0, 8)}-${time.slice(8)}-7`;
  }
  return v7.head + randomUUID().slice(15);
}

/** The time part of the last millisecond's ids: a busy server mints several per millisecond. */
const v7 = { ms: -1, head: '' };

const ID_PATTERN = /^[a-z]{3}_[0-9a-z]{26}$/;

export function looksLikeId(value: string, kind?: IdKind): boolean {
  return ID_PATTERN.test(value) && (kind === undefined || value.startsWith(`${ID_PREFIX[kind]}_`));
}

/** 32 random bytes, base64url: 43 characters. Its bytes are wiped from the pool once read. */
export function newSecret(): string {
  const at = takeRandom(32);
  const bytes = randomPool.subarray(at, at + 32);
  const secret = bytes.toString('base64url');
  bytes.fill(0);
  return secret;
}

// One-shot `hash` (Node ≥ 20.12): half the time of createHash().update().digest() for a short secret,
// and every ticket, redemption and refresh checks one.
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** Compares a presented secret with a stored SHA-256 hex digest in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = hash('sha256', secret, 'buffer');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** The header value of a server or app key: base64(id:secret). */
export function formatKeyPairHeader(id: string, secret: string): string {
  return Buffer.from(`${id}:${secret}`, 'utf8').toString('base64');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Parses base64(id:secret); undefined when the value is not well-formed. */
export function parseKeyPairHeader(value: string): PresentedKey | undefined {
  if (value.length === 0 || value.length > 512 || !BASE64.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const id = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  if (!looksLikeId(id) || !SECRET_PATTERN.test(secret)) return undefined;
  return { id, secret };
}

/** An API key (and a refresh token) is one opaque string: `<id>.<secret>`. */
export function formatApiKey(id: string, secret: string): string {
  return `${id}.${secret}`;
}

export function parseApiKey(value: string): PresentedKey | undefined {
  const dot = value.indexOf('.');
  if (dot < 0) return undefined;
  const id = value.slice(0, dot);
  const secret = value.slice(dot + 1);
  if (!looksLikeId(id) || !SECRET_PATTERN.test(secret)) return undefined;
  return { id, secret };
}
