// Tickets become sessions: redemption once, rotation, reuse detection, revocation, and every refusal code.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, type Ticketed, createTestApp, post } from './support/app.ts';
import { eachDialect } from './support/databases.ts';

const TICKET_BODY = {
  userIPAddress: '10.0.0.1',
  userAgent: 'test',
  userPlatform: 'web',
  userDeviceID: 'device-1',
  fullName: 'Alice',
  email: 'alice@example.com',
};

interface Bundle {
  accessToken: string;
  accessTokenExpiry: number;
  refreshToken: string;
  refreshTokenExpiry: number;
  user: Record<string, unknown>;
}

await eachDialect(describe, 'client sessions', (dialect) => {
  let t: TestApp;
  let appKey: Record<string, string>;
  let n = 0;

  async function ticketFor(xcUserID = `user-${++n}`, serverKey = t.project.serverKey.header) {
    const res = await post<Ticketed>(t.app, '/v1/server/auth_ticket/request', { 'server-key': serverKey }, { ...TICKET_BODY, xcUserID });
    assert.equal(res.status, 200);
    return res.body.data;
  }
  /** A client call: HTTP 200 is asserted for every outcome; the envelope is returned. */
  async function client(url: string, bearer: string | undefined, body: unknown = '""', headers: Record<string, string> = appKey) {
    const res = await post(
      t.app,
      url,
      { ...headers, 'content-type': 'text/plain;charset=UTF-8', authorization: bearer === undefined ? '' : `Bearer ${bearer}` },
      body,
    );
    assert.equal(res.status, 200, 'client APIs always answer HTTP 200');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    return res.body;
  }
  async function check(accessToken: string) {
    const res = await t.app.inject({ method: 'GET', url: '/connect?check=1', headers: { ...appKey, authorization: `Bearer ${accessToken}` } });
    assert.equal(res.statusCode, 200);
    return res.json() as { status: number; error: { code: string } };
  }
  async function login(xcUserID?: string) {
    const { ticket, userID } = await ticketFor(xcUserID);
    const res = await client('/v1/auth/access_token/request', ticket);
    assert.equal(res.status, 200, JSON.stringify(res.error));
    return { ...(res.data as unknown as Bundle), userID, ticket };
  }

  before(async () => {
    t = await createTestApp(dialect);
    appKey = { 'app-key': t.project.appKey.header };
  });
  after(() => t.close());

  it('answers CORS preflights for the SDK headers', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/client/project_configs',
      headers: {
        origin: 'http://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'app-key, authorization, device-identifier, device-model, device-platform',
      },
    });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    for (const h of ['App-Key', 'Authorization', 'Device-Identifier', 'Device-Model', 'Device-Platform', 'Content-Type']) {
      assert.match(String(res.headers['access-control-allow-headers']), new RegExp(h));
    }
  });

  it('project_configs needs only the App-Key and holds string core values', async () => {
    const res = await client('/v1/client/project_configs', undefined);
    assert.equal(res.status, 200);
    const data = res.data as { core: Record<string, unknown>; project: object; custom: object };
    assert.equal(data.core.chatMediaMaxFileSize, '26214400');
    for (const v of Object.values(data.core)) assert.equal(typeof v, 'string');
    assert.deepEqual(data.project, {});
    assert.deepEqual(data.custom, {});
  });

  it('App-Key missing → 40001, malformed → 491/49102, unknown or revoked → 491/49103 (in the envelope)', async () => {
    const missing = await client('/v1/client/project_configs', undefined, '""', {});
    assert.deepEqual(missing.error, { code: '40001', message: 'Request headers are required (App-Key)', field: '' });
    const malformed = await client('/v1/client/project_configs', undefined, '""', { 'app-key': 'zzz' });
    assert.equal(malformed.status, 491);
    assert.equal(malformed.error.code, '49102');
    const unknown = await client('/v1/client/project_configs', undefined, '""', { 'app-key': t.project.serverKey.header });
    assert.equal(unknown.status, 491);
    assert.equal(unknown.error.code, '49103');
  });

  it('redeems a ticket for the token bundle with a complete user object', async () => {
    const { ticket, userID } = await ticketFor('full-user');
    const res = await client('/v1/auth/access_token/request', ticket);
    assert.equal(res.status, 200);
    assert.deepEqual(res.error, { code: '', message: '', field: '' });
    const data = res.data as unknown as Bundle;
    assert.deepEqual(Object.keys(data), ['accessToken', 'accessTokenExpiry', 'refreshToken', 'refreshTokenExpiry', 'user']);
    assert.equal(data.accessTokenExpiry, Math.floor(t.clock.now() / 1000) * 1000 + 3600 * 1000, 'epoch ms, one hour');
    assert.equal(data.refreshTokenExpiry, t.clock.now() + 30 * 86400 * 1000, 'epoch ms, 30 days');
    const user = data.user;
    assert.equal(user.userID, userID);
    assert.equal(user.xcUserID, 'full-user');
    assert.equal(user.fullname, 'Alice');
    assert.equal(user.email, 'alice@example.com');
    assert.deepEqual(user.imageURL, { thumbnail: '', fullsize: '' });
    assert.equal(user.lastLogin, t.clock.now());
    for (const field of ['userID', 'xcUserID', 'fullname', 'username', 'email', 'phone', 'phoneWithCode', 'bio', 'countryCallingCode']) {
      assert.equal(typeof user[field], 'string', field);
    }
    for (const field of ['countryID', 'lastLogin', 'lastActivity', 'created', 'updated', 'deleted']) assert.equal(typeof user[field], 'number', field);
    for (const field of ['isOnline', 'isRequestPending', 'isRequestAccepted', 'isEmailVerified', 'isPhoneVerified', 'requireChangePassword']) {
      assert.equal(typeof user[field], 'boolean', field);
    }
    assert.ok(!JSON.stringify(user).includes('null'), 'no nulls');
    assert.equal((await check(data.accessToken)).error.code, '');
  });

  it('a ticket is redeemed once: again → 40103', async () => {
    const { ticket } = await ticketFor();
    assert.equal((await client('/v1/auth/access_token/request', ticket)).status, 200);
    const again = await client('/v1/auth/access_token/request', ticket);
    assert.deepEqual([again.status, again.error.code, again.error.message], [401, '40103', 'Auth ticket has already been used']);
  });

  it('20 simultaneous redemptions of one ticket: exactly one succeeds', async () => {
    const { ticket } = await ticketFor();
    const results = await Promise.all(Array.from({ length: 20 }, () => client('/v1/auth/access_token/request', ticket)));
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.ok(results.filter((r) => r.status !== 200).every((r) => r.error.code === '40103'));
  });

  it('refuses tickets of another project (40105), expired (40104), tampered or foreign (40103)', async () => {
    const other = await t.newProject();
    const foreign = await ticketFor('x', other.serverKey.header);
    const wrongProject = await client('/v1/auth/access_token/request', foreign.ticket);
    assert.deepEqual([wrongProject.status, wrongProject.error.code], [401, '40105']);

    const { ticket } = await ticketFor();
    const [h, p, s] = ticket.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url')}.${s}`;
    assert.equal((await client('/v1/auth/access_token/request', forged)).error.code, '40103');
    assert.equal((await client('/v1/auth/access_token/request', `${ticket.slice(0, -3)}abc`)).error.code, '40103');
    assert.equal((await client('/v1/auth/access_token/request', 'not-a-jwt')).error.code, '40103');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
    assert.equal((await client('/v1/auth/access_token/request', none)).error.code, '40103');

    t.clock.advance(3601 * 1000);
    try {
      const expired = await client('/v1/auth/access_token/request', ticket);
      assert.deepEqual([expired.status, expired.error.code], [401, '40104']);
    } finally {
      t.clock.advance(-3601 * 1000);
    }
  });

  it('a token never stands in for another kind', async () => {
    const s = await login();
    // An access token, a refresh token, a Live Chat ticket are not PowerTalk tickets.
    assert.equal((await client('/v1/auth/access_token/request', s.accessToken)).error.code, '40103');
    assert.equal((await client('/v1/auth/access_token/request', s.refreshToken)).error.code, '40103');
    const lc = await post<Ticketed>(
      t.app,
      '/api/integration/v1/user/request_auth_ticket',
      { 'api-key': t.project.apiKey },
      { customerUserID: 'kind', fullName: 'K' },
    );
    assert.equal((await client('/v1/auth/access_token/request', lc.body.data.ticket)).error.code, '40103');
    // A ticket or a refresh token is not an access token: 40104 so the SDK refreshes.
    assert.equal((await check(s.ticket)).error.code, '40104');
    assert.equal((await check(s.refreshToken)).error.code, '40104');
    // An access token is not a refresh token.
    assert.equal((await client('/v1/auth/access_token/refresh', s.accessToken)).error.code, '40103');
  });

  it('Authorization missing → 40101, not Bearer → 40102, unknown → 40103, other project → 40105', async () => {
    const s = await login();
    const missing = await client('/v1/client/user/get_by_id', undefined, { id: s.userID });
    assert.deepEqual([missing.status, missing.error.code], [401, '40101']);
    const basic = await post(t.app, '/v1/client/user/get_by_id', { ...appKey, authorization: 'Basic abc' }, { id: s.userID });
    assert.deepEqual([basic.body.status, basic.body.error.code], [401, '40102']);
    assert.equal((await check('garbage')).error.code, '40103');
    const other = await t.newProject();
    const res = await t.app.inject({
      method: 'GET',
      url: '/connect?check=1',
      headers: { 'app-key': other.appKey.header, authorization: `Bearer ${s.accessToken}` },
    });
    assert.equal(res.json().error.code, '40105');
  });

  it('an expired access token answers 40104; refresh rotates and supersedes it', async () => {
    const s = await login();
    t.clock.advance(3601 * 1000);
    const expired = await check(s.accessToken);
    assert.deepEqual([expired.status, expired.error.code], [401, '40104']);
    const refreshed = await client('/v1/auth/access_token/refresh', s.refreshToken);
    assert.equal(refreshed.status, 200);
    const next = refreshed.data as unknown as Bundle;
    assert.deepEqual(Object.keys(next), ['accessToken', 'accessTokenExpiry', 'refreshToken', 'refreshTokenExpiry', 'user']);
    assert.equal(next.user.userID, s.userID);
    assert.notEqual(next.refreshToken, s.refreshToken);
    assert.equal((await check(next.accessToken)).error.code, '');
    t.clock.advance(-3601 * 1000);
    // Back inside the old token's hour, it is still superseded.
    assert.equal((await check(s.accessToken)).error.code, '40104');
  });

  it('a rotated refresh token presented again revokes the whole session', async () => {
    const s = await login();
    const first = (await client('/v1/auth/access_token/refresh', s.refreshToken)).data as unknown as Bundle;
    const reuse = await client('/v1/auth/access_token/refresh', s.refreshToken);
    assert.deepEqual([reuse.status, reuse.error.code], [401, '40103']);
    assert.equal((await check(first.accessToken)).error.code, '40104', 'the live access token dies with the session');
    const revoked = await client('/v1/auth/access_token/refresh', first.refreshToken);
    assert.deepEqual([revoked.status, revoked.error.code], [401, '40103']);
  });

  it('one refresh token replayed 10 times at once: at most one session survives', async () => {
    const s = await login();
    const results = await Promise.all(Array.from({ length: 10 }, () => client('/v1/auth/access_token/refresh', s.refreshToken)));
    const winners = results.filter((r) => r.status === 200).map((r) => r.data as unknown as Bundle);
    assert.ok(winners.length <= 1);
    for (const w of winners) assert.equal((await check(w.accessToken)).error.code, '40104', 'the replay revoked the session');
  });

  it('refresh tokens expire', async () => {
    const s = await login();
    t.clock.advance(31 * 86400 * 1000);
    try {
      const res = await client('/v1/auth/access_token/refresh', s.refreshToken);
      assert.deepEqual([res.status, res.error.code, res.error.message], [401, '40103', 'Refresh token expired']);
    } finally {
      t.clock.advance(-31 * 86400 * 1000);
    }
  });

  it('logout ends the session at once', async () => {
    const s = await login();
    const out = await client('/v1/client/logout', s.accessToken);
    assert.equal(out.status, 200);
    assert.equal((await check(s.accessToken)).error.code, '40104');
    assert.equal((await client('/v1/auth/access_token/refresh', s.refreshToken)).error.code, '40103');
  });

  it('user look-ups by id and xcUserID; unknown → 404 / 40401', async () => {
    const s = await login('lookup');
    const byId = await client('/v1/client/user/get_by_id', s.accessToken, { id: s.userID });
    assert.equal((byId.data.user as Record<string, unknown>).xcUserID, 'lookup');
    const byXc = await client('/v1/client/user/get_by_xcuserid', s.accessToken, { xcUserID: 'lookup' });
    assert.equal((byXc.data.user as Record<string, unknown>).userID, s.userID);
    for (const [url, body] of [
      ['/v1/client/user/get_by_id', { id: '999999999' }],
      ['/v1/client/user/get_by_id', { id: 'abc' }],
      ['/v1/client/user/get_by_xcuserid', { xcUserID: 'nobody' }],
    ] as const) {
      const res = await client(url, s.accessToken, body);
      assert.deepEqual([res.status, res.error.code], [404, '40401'], `${url} ${JSON.stringify(body)}`);
    }
    const missing = await client('/v1/client/user/get_by_id', s.accessToken, '""');
    assert.deepEqual([missing.status, missing.error.code, missing.error.field], [400, '40002', 'id']);
  });

  it("server API revokes a user's sessions, and all sessions before a time", async () => {
    const serverKey = { 'server-key': t.project.serverKey.header };
    const a1 = await login('revoke-me');
    const a2 = await login('revoke-me');
    const b = await login('keep-me');
    const res = await post(t.app, '/v1/server/session/revoke_user', serverKey, { xcUserID: 'revoke-me' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data, { success: true, message: 'Sessions revoked', revokedSessions: 2 });
    assert.equal((await check(a1.accessToken)).error.code, '40104');
    assert.equal((await check(a2.accessToken)).error.code, '40104');
    assert.equal((await check(b.accessToken)).error.code, '');
    const unknown = await post(t.app, '/v1/server/session/revoke_user', serverKey, { xcUserID: 'nobody' });
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, '40401']);

    t.clock.advance(1000);
    const later = await login('later');
    const all = await post<{ revokedSessions: number }>(t.app, '/v1/server/session/revoke_all', serverKey, { before: t.clock.now() });
    assert.equal(all.status, 200);
    assert.ok(all.body.data.revokedSessions >= 1);
    assert.equal((await check(b.accessToken)).error.code, '40104');
    assert.equal((await check(later.accessToken)).error.code, '', 'sessions issued at or after the time survive');
    const bad = await post(t.app, '/v1/server/session/revoke_all', serverKey, { before: 'yesterday' });
    assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.field], [400, '40002', 'before']);
  });

  it('revocation also refuses the tickets handed out before it, not the ones after', async () => {
    const serverKey = { 'server-key': t.project.serverKey.header };
    const redeem = (ticket: string) => client('/v1/auth/access_token/request', ticket);
    const outstanding = await ticketFor('revoked-with-ticket');
    const other = await ticketFor('not-revoked');
    t.clock.advance(1);
    const res = await post(t.app, '/v1/server/session/revoke_user', serverKey, { xcUserID: 'revoked-with-ticket' });
    assert.equal(res.status, 200);
    const refused = await redeem(outstanding.ticket);
    assert.deepEqual([refused.status, refused.error.code, refused.error.message], [401, '40103', 'Auth ticket has been revoked']);
    const login = await t.deps.db
      .selectFrom('users')
      .select('last_login_at')
      .where('project_id', '=', t.project.projectID)
      .where('xc_user_id', '=', 'revoked-with-ticket')
      .executeTakeFirstOrThrow();
    assert.equal(login.last_login_at, null, 'the refused redemption recorded no login');
    assert.equal((await redeem(other.ticket)).status, 200, "another user's ticket is untouched");
    t.clock.advance(1);
    assert.equal((await redeem((await ticketFor('revoked-with-ticket')).ticket)).status, 200, 'a ticket issued afterwards works');

    const beforeAll = await ticketFor('everyone');
    t.clock.advance(1);
    const all = await post(t.app, '/v1/server/session/revoke_all', serverKey, { before: t.clock.now() });
    assert.equal(all.status, 200);
    assert.equal((await redeem(beforeAll.ticket)).error.code, '40103');
    t.clock.advance(1);
    assert.equal((await redeem((await ticketFor('everyone')).ticket)).status, 200);
  });

  describe('OneTalk Live Chat (visitor API)', () => {
    const V = '/api/visitor/v1';
    let secret: Record<string, string>;
    before(() => {
      secret = { 'secret-key': t.project.appKey.secret };
    });
    async function liveChatTicket(customerUserID: string) {
      const res = await post(
        t.app,
        '/api/integration/v1/user/request_auth_ticket',
        { 'api-key': t.project.apiKey },
        {
          customerUserID,
          fullName: 'Visitor',
          email: 'v@example.com',
          phone: `6281234${String(++n).padStart(6, '0')}`,
        },
      );
      assert.equal(res.status, 200);
      return res.body.data as { userID: string; ticket: string };
    }

    it('redeems a request_auth_ticket ticket for a Live Chat session', async () => {
      const { ticket, userID } = await liveChatTicket('visitor-1');
      const res = await client(`${V}/auth/access_token/request`, ticket, '', secret);
      assert.equal(res.status, 200, JSON.stringify(res.error));
      const bundle = res.data as unknown as Bundle;
      assert.equal(bundle.user.userID, userID);
      assert.equal(bundle.user.customerUserID, 'visitor-1');
      assert.equal(bundle.user.fullName, 'Visitor');
      assert.ok(!JSON.stringify(bundle.user).includes('null'));
      const me = await client(`${V}/client/user/get`, bundle.accessToken, '', secret);
      assert.equal((me.data.user as Record<string, unknown>).userID, userID);
      const refreshed = await client(`${V}/auth/access_token/refresh`, bundle.refreshToken, '', secret);
      assert.equal(refreshed.status, 200);
      const again = await client(`${V}/auth/access_token/request`, ticket, '', secret);
      assert.equal(again.error.code, '40103');
      const next = refreshed.data as unknown as Bundle;
      assert.equal((await client(`${V}/logout`, next.accessToken, '', secret)).status, 200);
      assert.equal((await client(`${V}/client/user/get`, next.accessToken, '', secret)).error.code, '40104');
    });

    it('keeps the two APIs apart', async () => {
      const pt = await ticketFor();
      assert.equal((await client(`${V}/auth/access_token/request`, pt.ticket, '', secret)).error.code, '40103');
      const { ticket } = await liveChatTicket('visitor-2');
      const bundle = (await client(`${V}/auth/access_token/request`, ticket, '', secret)).data as unknown as Bundle;
      assert.equal((await check(bundle.accessToken)).error.code, '40104', 'a Live Chat token is no PowerTalk token');
      assert.equal((await client('/v1/auth/access_token/refresh', bundle.refreshToken)).error.code, '40103');
    });

    it('Secret-Key missing → 40001, unknown → 491/49103', async () => {
      const missing = await client(`${V}/auth/access_token/request`, 'x', '', {});
      assert.deepEqual(missing.error, { code: '40001', message: 'Request headers are required (Secret-Key)', field: '' });
      const unknown = await client(`${V}/auth/access_token/request`, 'x', '', { 'secret-key': 'A'.repeat(43) });
      assert.deepEqual([unknown.status, unknown.error.code], [491, '49103']);
    });
  });
});
