// Two Parley nodes on one database: revocation reaches the other node's caches at once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { findUserByXcUserId } from '../src/repos/users.ts';
import { revokeKey } from '../src/services/projects.ts';
import { type TestApp, type TokenBundle, createTestNodes, post } from './support/app.ts';
import { eachDialect } from './support/databases.ts';
import { eventually as waitFor } from './support/eventually.ts';

const BODY = { userIPAddress: '1.2.3.4', userAgent: 'ua', userPlatform: 'web', userDeviceID: 'd', fullName: 'Node' };

/** Polls until `check` holds: pub/sub delivery is asynchronous (milliseconds), so the test waits for it. */
const eventually = (what: string, check: () => Promise<boolean>) => waitFor(what, check, 100);

for (const withRedis of [true, false]) {
  await eachDialect(describe, `two nodes, one database, ${withRedis ? 'with' : 'without'} Redis`, (dialect) => {
    // Documented limit: SQLite without Redis is one process, whose session cache sees every change.
    // Several processes on one SQLite file need Redis (docs/configuration.md).
    if (dialect === 'sqlite' && !withRedis) return;
    let a: TestApp;
    let b: TestApp;
    const env: Record<string, string> = withRedis
      ? { PARLEY_REDIS_URL: 'redis://127.0.0.1:6379', PARLEY_REDIS_PREFIX: `parley-test-${randomBytes(4).toString('hex')}:` }
      : {};
    let closeNodes: () => Promise<void>;
    before(async () => {
      ({ a, b, close: closeNodes } = await createTestNodes(dialect, env));
    });
    after(() => closeNodes());

    async function session(xcUserID: string) {
      const ticket = await post(a.app, '/v1/server/auth_ticket/request', { 'server-key': a.project.serverKey.header }, { ...BODY, xcUserID });
      const res = await post<TokenBundle>(
        b.app,
        '/v1/auth/access_token/request',
        { 'app-key': a.project.appKey.header, authorization: `Bearer ${ticket.body.data.ticket}` },
        '',
      );
      assert.equal(res.body.status, 200);
      return res.body.data;
    }
    async function check(node: TestApp, token: string): Promise<string> {
      const res = await node.app.inject({
        method: 'GET',
        url: '/connect?check=1',
        headers: { 'app-key': a.project.appKey.header, authorization: `Bearer ${token}` },
      });
      return res.json().error.code as string;
    }

    it('a profile changed on one node is not taken as unchanged from a stale cache by the other', async () => {
      const server = { 'server-key': a.project.serverKey.header };
      const ticket = (node: TestApp, fullName: string) =>
        post(node.app, '/v1/server/auth_ticket/request', server, { ...BODY, xcUserID: 'profile-across', fullName });
      const stored = async () => (await findUserByXcUserId(a.deps.db, a.project.projectID, 'profile-across'))?.fullname;
      assert.equal((await ticket(a, 'First')).body.status, 200);
      assert.equal((await ticket(a, 'First')).body.status, 200, 'a now holds the profile');
      for (const change of ['ticket', 'user/update'] as const) {
        if (change === 'ticket') assert.equal((await ticket(b, 'Changed on b')).body.status, 200);
        else assert.equal((await post(b.app, '/v1/server/user/update', server, { xcUserID: 'profile-across', fullName: 'Changed on b' })).body.status, 200);
        assert.equal(await stored(), 'Changed on b');
        // The next ticket on a says "First" again: a must see that as a change and write it.
        await eventually(`a writes the profile back after ${change} on b`, async () => {
          assert.equal((await ticket(a, 'First')).body.status, 200);
          return (await stored()) === 'First';
        });
      }
    });

    it('a session logged out on one node ends on the other', async () => {
      const s = await session('logout-across');
      assert.equal(await check(a, s.accessToken), '');
      assert.equal(await check(b, s.accessToken), '', 'b has the session cached now');
      const out = await post(a.app, '/v1/client/logout', { 'app-key': a.project.appKey.header, authorization: `Bearer ${s.accessToken}` }, '');
      assert.equal(out.body.status, 200);
      await eventually('b refuses the logged-out token', async () => (await check(b, s.accessToken)) === '40104');
    });

    it('a refresh on one node supersedes the old access token on the other', async () => {
      const s = await session('refresh-across');
      assert.equal(await check(b, s.accessToken), '');
      const next = await post<TokenBundle>(
        a.app,
        '/v1/auth/access_token/refresh',
        { 'app-key': a.project.appKey.header, authorization: `Bearer ${s.refreshToken}` },
        '',
      );
      assert.equal(next.body.status, 200);
      await eventually('b refuses the superseded token', async () => (await check(b, s.accessToken)) === '40104');
      assert.equal(await check(b, next.body.data.accessToken), '');
    });

    it('revoke_user on one node ends the sessions on the other', async () => {
      const s = await session('revoke-across');
      assert.equal(await check(b, s.accessToken), '');
      const res = await post(a.app, '/v1/server/session/revoke_user', { 'server-key': a.project.serverKey.header }, { xcUserID: 'revoke-across' });
      assert.equal(res.status, 200);
      await eventually('b refuses the revoked session', async () => (await check(b, s.accessToken)) === '40104');
    });

    if (withRedis) {
      it('a key revoked on one node is refused by the other', async () => {
        const project = await a.newProject();
        const headers = { 'server-key': project.serverKey.header };
        assert.equal((await post(b.app, '/v1/server/auth_ticket/request', headers, { ...BODY, xcUserID: 'k' })).status, 200);
        await revokeKey(a.deps, project.serverKey.id);
        await eventually(
          'b refuses the revoked key',
          async () => (await post(b.app, '/v1/server/auth_ticket/request', headers, { ...BODY, xcUserID: 'k' })).status === 491,
        );
      });
    }
  });
}
