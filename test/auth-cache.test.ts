// Two nodes' auth caches on one Redis invalidation channel. A change forgets its entries at once on the
// node that made it and, through Redis, on the other. The node's own note, echoed back by Redis, used
// to forget them a second time: a profile read again right after the change was dropped when the echo
// arrived (the ticket fast path then read it from the database once more). Needs Redis: under
// CI=true an unreachable Redis fails the run; elsewhere the suite is skipped loudly.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eventually } from './support/eventually.ts';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { openRedis, type RedisLink } from '../src/redis.ts';
import type { StoredProfile } from '../src/repos/users.ts';
import { userKey } from '../src/repos/users.ts';
import { type AuthCache, type Invalidation, createAuthCache } from '../src/security/auth-cache.ts';

const logger = pino({ level: 'silent' }) as FastifyBaseLogger;
const url = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('auth cache invalidation through Redis', { skip: process.env.CI !== 'true' && 'runs with CI=true (needs Redis)' }, () => {
  const links: RedisLink[] = [];
  const caches: AuthCache[] = [];
  const channel = `parley-test-${randomBytes(4).toString('hex')}:invalidate`;
  /** Every invalidation each node heard, and whether it started there. */
  const heard: Array<Array<{ m: Invalidation; local: boolean }>> = [];

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const link = openRedis(url, 1000, logger);
      links.push(link);
      const cache = await createAuthCache({ keyTtlMs: 60_000, sessionTtlMs: 60_000, now: Date.now, redis: link, channel, logger });
      const log: Array<{ m: Invalidation; local: boolean }> = [];
      cache.onInvalidate((m, local) => log.push({ m, local }));
      caches.push(cache);
      heard.push(log);
    }
  });
  after(async () => {
    for (const cache of caches) await cache.close();
    for (const link of links) await link.close();
  });

  it("forgets a changed user's profile once on each node; a profile read again after the change stays", async () => {
    const [a, b] = caches as [AuthCache, AuthCache];
    const key = userKey('p1', 'other');
    const profile = { id: 7, fullname: 'Other' } as StoredProfile;
    a.profiles.set(key, profile);
    b.profiles.set(key, profile);
    a.invalidate({ kind: 'user', project: 'p1', id: 7 });
    assert.equal(a.profiles.get(key), undefined, 'forgotten at once where the change was made');
    // The ticket path reads the renamed user again and caches it.
    const renamed = { id: 7, fullname: 'Other, renamed' } as StoredProfile;
    a.profiles.set(key, renamed);
    await eventually("the other node's copy forgotten", () => b.profiles.get(key) === undefined);
    // A later note from the other node: Redis delivers in order, so once node A has heard it, any
    // echo of its own note has arrived too.
    b.invalidate({ kind: 'key', id: 'unrelated' });
    await eventually('node A hears the later note', () => heard[0]?.some((h) => h.m.kind === 'key' && !h.local) === true);
    assert.equal(a.profiles.get(key)?.fullname, 'Other, renamed', 'the profile read after the change is still cached');
    assert.deepEqual(
      heard[0]?.filter((h) => h.m.kind === 'user').map((h) => h.local),
      [true],
      'node A heard its own change once, as its own',
    );
    assert.deepEqual(
      heard[1]?.filter((h) => h.m.kind === 'user'),
      [{ m: { kind: 'user', project: 'p1', id: 7 }, local: false }],
      'node B heard it once, from elsewhere, as it was sent',
    );
  });
});
