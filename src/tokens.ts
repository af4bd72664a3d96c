// Signed tokens (HS256 JWTs). The algorithm is pinned and every claim is checked by us, not assumed.
import { createHmac, createSecretKey } from 'node:crypto';
import { createVerifier } from 'fast-jwt';
import { uuidV7 } from './credentials.ts';

/**
 * What a token is for. A token of one purpose never passes as another: tickets are redeemed only
 * at access_token/request of their own API, access tokens only authenticate calls.
 */
export type Purpose = 'auth_ticket' | 'livechat_ticket' | 'access' | 'livechat_access';

export interface TokenClaims {
  pur: Purpose;
  /** The subject: a PowerTalk user id (decimal string) or a OneTalk contact UUID. */
  sub: string;
  /** The project the token belongs to. */
  pid: string;
  jti: string;
  /** Seconds since the epoch. */
  iat: number;
  /** Issued at, milliseconds since the epoch (revocations are compared with it; older tokens lack it). */
  ims?: number;
  exp: number;
  /** Access tokens: the session and its generation (bumped by each refresh). */
  sid?: string;
  gen?: number;
}

export const TICKET_TTL_SECONDS = 3600;

export interface SignInput {
  pur: Purpose;
  sub: string;
  pid: string;
  now: number;
  ttlSeconds: number;
  sid?: string;
  gen?: number;
}

export interface TokenSigner {
  sign(input: SignInput): { token: string; claims: TokenClaims };
  /** Verifies signature and shape; returns the claims or undefined. Expiry and purpose are the caller's to check. */
  verify(token: string): TokenClaims | undefined;
  /**
   * `verify` for a token presented once (a ticket, redeemed once): without the verification cache,
   * whose key (a hash of the token) and entry pay off only for a token presented again (an access token).
   */
  verifyOnce(token: string): TokenClaims | undefined;
}

const PURPOSES: readonly string[] = ['auth_ticket', 'livechat_ticket', 'access', 'livechat_access'];

/** Signs with `current`; verifies tokens of `current` and of the `accepted` secrets (rotation). */
export function createTokenSigner(secrets: { current: string; accepted: readonly string[] }): TokenSigner {
  const signer = hs256Signer(secrets.current);
  const keys = [secrets.current, ...secrets.accepted];
  const verifiers = (cache: number | false) =>
    keys.map((key) => createVerifier({ key, algorithms: ['HS256'], ignoreExpiration: true, ignoreNotBefore: true, cache }));
  const cached = verifiers(1000);
  const uncached = verifiers(false);
  return {
    sign({ pur, sub, pid, now, ttlSeconds, sid, gen }) {
      const iat = Math.floor(now / 1000);
      const claims: TokenClaims = { pur, sub, pid, jti: uuidV7(now), iat, exp: iat + ttlSeconds };
      // Tickets can be revoked before they are redeemed: a revocation is compared to the millisecond.
      if (pur === 'auth_ticket' || pur === 'livechat_ticket') claims.ims = now;
      if (sid !== undefined) claims.sid = sid;
      if (gen !== undefined) claims.gen = gen;
      return { token: signer(claims), claims };
    },
    verify: (token) => verifiedWith(cached, token),
    verifyOnce: (token) => verifiedWith(uncached, token),
  };
}

/** The claims of a token that one of `verifiers` (the current secret first) accepts and whose shape is ours, or undefined. */
function verifiedWith(verifiers: Array<(token: string) => unknown>, token: string): TokenClaims | undefined {
  let payload: unknown;
  for (let i = 0; payload === undefined && i < verifiers.length; i++) {
    try {
      payload = (verifiers[i] as (token: string) => unknown)(token);
    } catch {
      // Not this secret's: the next accepted one may sign it.
    }
  }
  if (typeof payload !== 'object' || payload === null) return undefined;
  const c = payload as Record<string, unknown>;
  if (
    typeof c.pur !== 'string' ||
    !PURPOSES.includes(c.pur) ||
    typeof c.sub !== 'string' ||
    typeof c.pid !== 'string' ||
    typeof c.jti !== 'string' ||
    typeof c.iat !== 'number' ||
    typeof c.exp !== 'number' ||
    (c.ims !== undefined && typeof c.ims !== 'number') ||
    (c.sid !== undefined && typeof c.sid !== 'string') ||
    (c.gen !== undefined && typeof c.gen !== 'number')
  ) {
    return undefined;
  }
  return c as unknown as TokenClaims;
}

const HS256_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * Signs our own claims with a fixed header: the compact JWS that fast-jwt's signer produces, byte for byte
 * (test/tokens.test.ts), in half its time. Every token of a login is signed here (the ticket, each access
 * token), and fast-jwt re-encoded the header and copied the claims each time, with the secret imported
 * anew for each HMAC. Verification stays fast-jwt's.
 */
function hs256Signer(secret: string): (claims: TokenClaims) => string {
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return (claims) => {
    const input = `${HS256_HEADER}.${Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url')}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };
}
