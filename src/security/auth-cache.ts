// Hot credentials kept in memory so checking a key or an access token needs no database read.
// Changes (revocation, logout, refresh, tier) invalidate the entries at once on this node and, through
// Redis pub/sub when configured, on every node. Without Redis, sessions are cached only on SQLite
// (one process); keys are cached for a few seconds everywhere. With Redis, nothing is cached while the
// invalidation channel is not subscribed: a revocation made elsewhere meanwhile would go unnoticed.
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { startingWith } from '../chat/broker.ts';
import type { RedisLink } from '../redis.ts';
import type { KeyForAuth } from '../repos/projects.ts';
import type { SessionState } from '../repos/sessions.ts';
import { ProfileCache } from './profile-cache.ts';
import { TtlCache } from './ttl-cache.ts';

export type Invalidation =
  | { kind: 'session'; id: string }
  | { kind: 'sessions' }
  | { kind: 'key'; id: string }
  | { kind: 'keys' }
  /** A project's webhook endpoints changed (their listener, the webhook service, forgets them). */
  | { kind: 'webhooks'; project: string }
  /** A user's profile changed (the chat's user cache and the ticket path's profile cache forget it). */
  | { kind: 'user'; project: string; id: number }
  /** A brute-force subject went over its limit (security/auth-guard.ts): every node refuses it for `ttlMs`. */
  | { kind: 'limited'; subject: string; ttlMs: number };

export interface AuthCache {
  keys: TtlCache<string, KeyForAuth>;
  sessions: TtlCache<string, SessionState>;
  /** Returning users' stored profiles by `project\0xcUserID`, so issuing their tickets reads nothing. */
  profiles: ProfileCache;
  /**
   * Bumped by every invalidation. Read it before a database read and fill the cache only if it is
   * unchanged, so a read that raced a revocation never caches the state from before it.
   */
  epoch(): number;
  /** Forgets cached state here and on every other node. */
  invalidate(message: Invalidation): void;
  /** Forgets cached state here only (a note from another node). */
  apply(message: Invalidation): void;
  /** Called for every invalidation; `local` when it started on this node. */
  onInvalidate(listener: (message: Invalidation, local: boolean) => void): void;
  close(): Promise<void>;
}

export interface AuthCacheOptions {
  keyTtlMs: number;
  sessionTtlMs: number;
  now: () => number;
  redis?: RedisLink | undefined;
  channel: string;
  logger: FastifyBaseLogger;
}

export async function createAuthCache(options: AuthCacheOptions): Promise<AuthCache> {
  const keys = new TtlCache<string, KeyForAuth>(options.keyTtlMs, 10_000, options.now);
  const sessions = new TtlCache<string, SessionState>(options.sessionTtlMs, 100_000, options.now);
  // Shares the sessions' rule: cached only where every change reaches every node.
  const profiles = new ProfileCache(options.sessionTtlMs, 20_000, options.now);
  let epoch = 0;
  const listeners: Array<(message: Invalidation, local: boolean) => void> = [];
  const onInvalidate = (listener: (message: Invalidation, local: boolean) => void) => void listeners.push(listener);
  const apply = (m: Invalidation, local = false) => {
    // Not a change of anything cached: fills in progress stay valid.
    if (m.kind !== 'limited') epoch++;
    for (const listener of listeners) listener(m, local);
    if (m.kind === 'session') sessions.delete(m.id);
    else if (m.kind === 'sessions') sessions.clear();
    else if (m.kind === 'user') profiles.forget(m.project, m.id);
    else if (m.kind === 'key') {
      for (const type of ['server', 'api', 'app']) keys.delete(`${type}:${m.id}`);
    } else if (m.kind === 'keys') keys.clear();
  };
  const redis = options.redis;
  if (redis === undefined) {
    return { keys, sessions, profiles, epoch: () => epoch, invalidate: (m) => apply(m, true), apply, onInvalidate, close: async () => {} };
  }

  const forgetAll = () => {
    epoch++;
    keys.clear();
    sessions.clear();
    profiles.clear();
  };
  // What this cache publishes starts with its own tag: Redis echoes it back, and the echo is dropped
  // unread. Applied again, it would forget what was read after the change (and bump the epoch).
  const origin = `{"o":"${randomBytes(6).toString('hex')}",`;
  // Until subscribed, and whenever the subscription is lost, nothing is cached; once (re)subscribed,
  // start over from the database, as notes may have been missed.
  keys.pause();
  sessions.pause();
  profiles.pause();
  const subscription = redis.subscribe(options.channel, {
    live(up) {
      forgetAll();
      if (up) {
        keys.resume();
        sessions.resume();
        profiles.resume();
      } else {
        keys.pause();
        sessions.pause();
        profiles.pause();
      }
    },
    skip: startingWith(origin),
    message(data) {
      try {
        const { o: _origin, ...m } = JSON.parse(data.toString('utf8')) as Invalidation & { o?: string };
        apply(m as Invalidation);
      } catch {
        forgetAll();
      }
    },
  });
  await subscription.ready;
  return {
    keys,
    sessions,
    profiles,
    epoch: () => epoch,
    apply,
    onInvalidate,
    invalidate(message) {
      apply(message, true);
      redis.publish(options.channel, origin + JSON.stringify(message).slice(1)).catch((err: Error) => {
        // Lost while Redis is down (the outage is logged once): nodes that lost it too cache nothing
        // meanwhile; a node that still reaches it keeps its entries until they expire.
        if (!redis.isDown()) options.logger.warn({ err: { message: err.message } }, 'could not publish an invalidation');
      });
    },
    close: () => subscription.close(),
  };
}
