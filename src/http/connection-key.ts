// A client presents the same key on every request of a connection (a backend's pooled keep-alive
// connection, an app's connection to its server). So the key header that last checked out on a
// connection is kept with that connection, and the same header presented again on it is recognised by a
// constant-time comparison instead of being decoded and hashed again: that was a tenth of a returning
// user's ticket. The header stays in this process's memory for the connection's life (Node holds every
// request's headers in memory until it is answered); it is written nowhere.
import { timingSafeEqual } from 'node:crypto';
import { secretMatches } from '../credentials.ts';
import type { Deps } from '../deps.ts';
import type { KeyForAuth } from '../repos/projects.ts';
import { type KeyAuth, cachedKeyFor, keyUsed } from '../services/key-auth.ts';
import type { KeyType } from '../storage/schema.ts';
import { parseKeyHeader } from './credential-headers.ts';

const VERIFIED: unique symbol = Symbol('the key header that last checked out on this connection');

interface Verified {
  type: KeyType;
  header: string;
  keyId: string;
  /** The cache's entry it checked out against: a revocation or any change of the key drops or replaces it. */
  key: KeyForAuth;
}

type Remembering = object & { [VERIFIED]?: Verified };

/**
 * The key a header received on `connection` (the request's socket) presents, when the cache holds it,
 * it is not revoked and its secret checks out; undefined in every other case (the route then explains).
 */
export function connectionKey(deps: Deps, type: KeyType, header: unknown, connection: object): KeyAuth | undefined {
  if (typeof header !== 'string') return undefined;
  const remembering = connection as Remembering;
  const last = remembering[VERIFIED];
  if (last !== undefined && last.type === type && cachedKeyFor(deps, type, last.keyId) === last.key && sameHeader(last.header, header)) {
    return keyUsed(deps, last.keyId, last.key);
  }
  const parsed = parseKeyHeader(type, header);
  const key = parsed === undefined ? undefined : cachedKeyFor(deps, type, parsed.id);
  if (parsed === undefined || key === undefined || !secretMatches(parsed.secret, key.secretHash)) return undefined;
  remembering[VERIFIED] = { type, header, keyId: parsed.id, key };
  return keyUsed(deps, parsed.id, key);
}

/** Equal headers, compared in constant time (a proxy's connection carries many clients' requests). */
function sameHeader(known: string, presented: string): boolean {
  const a = Buffer.from(known, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
