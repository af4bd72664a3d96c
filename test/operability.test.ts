// Health, readiness, metrics, brute-force protection and rate limits, on both databases.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../src/storage/database.ts';
import { type TestApp, createTestApp, createTestNodes, post } from './support/app.ts';
import { eachDialect } from './support/databases.ts';

const TICKET = '/v1/server/auth_ticket/request';
const BODY = { userIPAddress: '1.2.3.4', userAgent: 'ua', userPlatform: 'web', userDeviceID: 'd', xcUserID: 'ops', fullName: 'Ops' };

await eachDialect(describe, 'operability', (dialect) => {
  describe('health, readiness and metrics', () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(() => t.close());

    it('GET /healthz and /readyz answer 200 envelopes', async () => {
      const health = await t.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200);
      assert.deepEqual(health.json().data, { status: 'ok', version: JSON.parse(readFileSync('package.json', 'utf8')).version });
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200);
      assert.deepEqual(ready.json().data, { status: 'ready', database: dialect });
    });

    it('GET /readyz answers 503 / 50300 when a migration is pending', async () => {
      const last = await t.deps.db
        .selectFrom('kysely_migration' as never)
        .select('name' as never)
        .orderBy('name' as never, 'desc')
        .executeTakeFirstOrThrow();
      const name = (last as { name: string }).name;
      await t.deps.db
        .deleteFrom('kysely_migration' as never)
        .where('name' as never, '=', name as never)
        .execute();
      try {
        const res = await t.app.inject({ method: 'GET', url: '/readyz' });
        assert.equal(res.statusCode, 503);
        assert.deepEqual(res.json().error, { code: '50300', message: 'Database migrations pending', field: '' });
      } finally {
        await t.deps.db
          .insertInto('kysely_migration' as never)
          .values({ name, timestamp: new Date().toISOString() } as never)
          .execute();
      }
    });

    it('refuses to start on a database a newer Parley migrated, naming its migration', async () => {
      const future = { name: '9999_from_the_future', timestamp: new Date().toISOString() };
      await t.deps.db
        .insertInto('kysely_migration' as never)
        .values(future as never)
        .execute();
      try {
        await assert.rejects(openDatabase(t.databaseUrl), /the database schema is newer than this Parley \(migration 9999_from_the_future is unknown to it\)/);
      } finally {
        await t.deps.db
          .deleteFrom('kysely_migration' as never)
          .where('name' as never, '=', future.name as never)
          .execute();
      }
      const reopened = await openDatabase(t.databaseUrl);
      await reopened.close();
    });

    it('GET /metrics counts requests by route and outcome, tickets, redemptions and failures', async () => {
      const ok = await post(t.app, TICKET, { 'server-key': t.project.serverKey.header }, BODY);
      await post(t.app, TICKET, { 'server-key': t.project.serverKey.header }, { ...BODY, xcUserID: '' });
      await post(t.app, TICKET, { 'server-key': t.project.appKey.header }, BODY);
      await post(t.app, '/v1/auth/access_token/request', { 'app-key': t.project.appKey.header, authorization: `Bearer ${ok.body.data.ticket}` }, '');
      const res = await t.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      const text = res.body;
      assert.match(text, /parley_http_requests_total\{route="\/v1\/server\/auth_ticket\/request",method="POST",code="ok"\} 1/);
      assert.match(text, /parley_http_requests_total\{route="\/v1\/server\/auth_ticket\/request",method="POST",code="40002"\} 1/);
      assert.match(text, /parley_http_requests_total\{route="\/v1\/server\/auth_ticket\/request",method="POST",code="49103"\} 1/);
      assert.match(text, /parley_tickets_issued_total\{kind="powertalk"\} 1/);
      assert.match(text, /parley_tickets_redeemed_total\{kind="powertalk"\} 1/);
      assert.match(text, /parley_auth_failures_total\{code="49103"\} 1/);
      assert.match(text, /parley_http_request_duration_seconds_bucket\{le="0.5",route="\/v1\/server\/auth_ticket\/request"\} \d+/);
      assert.match(text, /parley_process_resident_memory_bytes \d+/);
    });
  });

  describe('brute-force protection (memory)', () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect, { PARLEY_AUTH_FAILURES_PER_ADDRESS: '5', PARLEY_AUTH_FAILURES_PER_KEY: '1000', PARLEY_AUTH_FAILURE_WINDOW: '60' });
    });
    after(() => t.close());

    // Issue #9 changed this: a correct key from a blocked address is served (it was refused before).
    it('answers 429 to an address past 5 refused keys, still serves its correct keys, until the window passes', async () => {
      const wrong = Buffer.from(`${t.project.serverKey.id}:${'x'.repeat(43)}`).toString('base64');
      // A different wrong secret each time: the address is what gets blocked, not one credential.
      const guess = (i: number) => Buffer.from(`${t.project.serverKey.id}:${String(i).padStart(43, 'x')}`).toString('base64');
      for (let i = 0; i < 5; i++) {
        assert.equal((await post(t.app, TICKET, { 'server-key': guess(i) }, BODY)).body.error.code, '49103');
      }
      const res = await post(t.app, TICKET, { 'server-key': wrong }, BODY);
      assert.equal(res.status, 429);
      assert.deepEqual(res.body.error, { code: '42900', message: 'Too many failed attempts; try again later', field: '' });
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(retryAfter > 0 && retryAfter <= 60, String(retryAfter));
      assert.equal((await post(t.app, TICKET, { 'server-key': t.project.serverKey.header }, BODY)).status, 200);
      // Client APIs too (HTTP 200, 429 in the envelope), and their valid calls pass.
      const client = await post(t.app, '/v1/client/project_configs', { 'app-key': Buffer.from('app_x:y').toString('base64') }, '');
      assert.equal(client.status, 200);
      assert.equal(client.body.status, 429);
      assert.ok(Number(client.headers['retry-after']) > 0);
      assert.equal((await post(t.app, '/v1/client/project_configs', { 'app-key': t.project.appKey.header }, '')).body.status, 200);
      t.clock.advance(61_000);
      assert.equal((await post(t.app, TICKET, { 'server-key': wrong }, BODY)).body.error.code, '49103');
    });

    it('refuses a credential past its own limit outright, even from a fresh address', async () => {
      const other = await createTestApp(dialect, {
        PARLEY_AUTH_FAILURES_PER_ADDRESS: '1000',
        PARLEY_AUTH_FAILURES_PER_KEY: '3',
        PARLEY_AUTH_FAILURE_WINDOW: '60',
      });
      try {
        const wrong = Buffer.from(`${other.project.serverKey.id}:${'z'.repeat(43)}`).toString('base64');
        for (let i = 0; i < 3; i++) assert.equal((await post(other.app, TICKET, { 'server-key': wrong }, BODY)).body.error.code, '49103');
        assert.equal((await post(other.app, TICKET, { 'server-key': wrong }, BODY)).status, 429);
        // The key's id is public: other credentials naming it are not affected.
        assert.equal((await post(other.app, TICKET, { 'server-key': other.project.serverKey.header }, BODY)).status, 200);
      } finally {
        await other.close();
      }
    });
  });

  describe('brute-force protection and rate limits shared through Redis', () => {
    const prefix = `parley-test-${randomBytes(4).toString('hex')}:`;
    const env = {
      PARLEY_REDIS_URL: 'redis://127.0.0.1:6379',
      PARLEY_REDIS_PREFIX: prefix,
      PARLEY_AUTH_FAILURES_PER_ADDRESS: '4',
      PARLEY_AUTH_FAILURES_PER_KEY: '1000',
      PARLEY_RATE_LIMIT: '6',
    };
    let a: TestApp;
    let b: TestApp;
    let closeNodes: () => Promise<void>;
    before(async () => {
      ({ a, b, close: closeNodes } = await createTestNodes(dialect, env));
    });
    after(() => closeNodes());

    // Issue #9 changed this: failures count per address (and per credential), no longer per key id.
    it('counts failures against one address across two nodes', async () => {
      const id = a.project.serverKey.id;
      const guess = (i: number) => Buffer.from(`${id}:${String(i).padStart(43, 'y')}`).toString('base64');
      await post(a.app, TICKET, { 'server-key': guess(1) }, BODY);
      await post(b.app, TICKET, { 'server-key': guess(2) }, BODY);
      await post(a.app, TICKET, { 'server-key': guess(3) }, BODY);
      await post(b.app, TICKET, { 'server-key': guess(4) }, BODY);
      const blocked = await post(b.app, TICKET, { 'server-key': guess(5) }, BODY);
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.error.code, '42900');
      assert.equal((await post(a.app, TICKET, { 'server-key': a.project.serverKey.header }, BODY)).status, 200);
    });

    it('an address over its limit on one node is refused on the other, which learns it from a note, not by reading Redis', async () => {
      const id = a.project.serverKey.id;
      const guess = (i: number) => Buffer.from(`${id}:${String(i).padStart(43, 'z')}`).toString('base64');
      const send = async (node: TestApp, key: string) => {
        const res = await node.app.inject({
          method: 'POST',
          url: TICKET,
          remoteAddress: '10.9.9.9',
          headers: { 'content-type': 'application/json', 'server-key': key },
          payload: JSON.stringify(BODY),
        });
        return res.statusCode;
      };
      // All four failures on node A, from one address: node B saw none of them.
      for (let i = 1; i <= 4; i++) assert.equal(await send(a, guess(i)), 491);
      // B has recorded nothing: it knows the address is over its limit only from A's note.
      const deadline = Date.now() + 5000;
      while (b.deps.authGuard.waitsNow(['ip:10.9.9.9'])[0] === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(await send(b, guess(99)), 429, "node B's first failure from the address is refused as over the limit");
      assert.equal(await send(b, b.project.serverKey.header), 200, 'a valid key from it still works');
    });

    it('limits requests per key per minute across nodes, with rate-limit headers', async () => {
      const headers = { 'api-key': a.project.apiKey };
      const sync = (app: TestApp) => post(app.app, '/api/integration/v1/user/sync_contact', headers, { customerUserID: 'rl', fullName: 'Rate' });
      const first = await sync(a);
      assert.equal(first.status, 200);
      assert.equal(first.headers['x-ratelimit-limit'], '6');
      assert.equal(first.headers['x-ratelimit-remaining'], '5');
      for (let i = 0; i < 5; i++) assert.equal((await sync(i % 2 === 0 ? b : a)).status, 200);
      const over = await sync(b);
      assert.equal(over.status, 429);
      assert.equal(over.body.error.code, '42900');
      assert.equal(over.body.error.message, 'Rate limit exceeded');
      assert.ok(Number(over.headers['retry-after']) > 0);
    });
  });
});
