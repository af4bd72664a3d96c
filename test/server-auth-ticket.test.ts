import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDecoder } from 'fast-jwt';
import { AUTH_TICKET_RULES } from '../src/api/server/auth-ticket.request.ts';
import { findTicket } from '../src/repos/tickets.ts';
import { countUsers, findUserByXcUserId, findUserProfile } from '../src/repos/users.ts';
import { type TestApp, type Ticketed, createTestApp, post } from './support/app.ts';
import { eachDialect } from './support/databases.ts';
import { POWERTALK_SEED_REQUEST } from './support/fixtures.ts';

const URL = '/v1/server/auth_ticket/request';

const SEED_REQUEST = POWERTALK_SEED_REQUEST;

const decode = createDecoder();

await eachDialect(describe, 'POST /v1/server/auth_ticket/request', (dialect) => {
  let t: TestApp;
  let headers: Record<string, string>;
  before(async () => {
    t = await createTestApp(dialect);
    headers = { 'server-key': t.project.serverKey.header };
  });
  after(() => t.close());

  it('answers the seed example with the seed shape: userID and an HS256 ticket valid one hour', async () => {
    const res = await post<Ticketed>(t.app, URL, headers, SEED_REQUEST);
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ['status', 'error', 'data']);
    assert.deepEqual(res.body.error, { code: '', message: '', field: '' });
    assert.equal(res.body.status, 200);
    assert.deepEqual(Object.keys(res.body.data), ['userID', 'ticket']);
    const { userID, ticket } = res.body.data;
    assert.match(userID, /^[1-9][0-9]*$/);
    assert.ok(ticket.startsWith('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.'), 'HS256 JWT header as in the seed');
    const claims = decode(ticket) as Record<string, unknown>;
    assert.equal(claims.pur, 'auth_ticket');
    assert.equal(claims.sub, userID);
    assert.equal(claims.pid, t.project.projectID);
    assert.equal(claims.exp, (claims.iat as number) + 3600);
    assert.equal(claims.iat, Math.floor(t.clock.now() / 1000));
    assert.equal(await findTicket(t.deps.db, claims.jti as string), undefined, 'issuing a ticket writes nothing');
  });

  it('writes a returning user back to what the request says, whatever changed the profile between', async () => {
    const body = (fullName: string) => ({ ...SEED_REQUEST, xcUserID: 'cached-profile', fullName });
    const stored = async () => (await findUserByXcUserId(t.deps.db, t.project.projectID, 'cached-profile'))?.fullname;
    assert.equal((await post(t.app, URL, headers, body('First'))).status, 200);
    assert.equal((await post(t.app, URL, headers, body('First'))).status, 200);
    assert.equal((await post(t.app, URL, headers, body('Second'))).status, 200);
    assert.equal(await stored(), 'Second');
    assert.equal((await post(t.app, URL, headers, body('First'))).status, 200);
    assert.equal(await stored(), 'First', 'a ticket request after a change is not answered from the profile before it');
    const updated = await post(t.app, '/v1/server/user/update', headers, { xcUserID: 'cached-profile', fullName: 'Third' });
    assert.equal(updated.body.status, 200);
    assert.equal((await post(t.app, URL, headers, body('First'))).status, 200);
    assert.equal(await stored(), 'First');
  });

  it('records a ticket when it is redeemed, once: a second redemption is refused', async () => {
    const { ticket, userID } = (await post<Ticketed>(t.app, URL, headers, { ...SEED_REQUEST, xcUserID: 'redeem-once' })).body.data;
    const jti = (decode(ticket) as Record<string, unknown>).jti as string;
    const client = { 'app-key': t.project.appKey.header, authorization: `Bearer ${ticket}`, 'content-type': 'text/plain;charset=UTF-8' };
    const first = await post(t.app, '/v1/auth/access_token/request', client, '""');
    assert.equal(first.body.status, 200, JSON.stringify(first.body.error));
    const row = await findTicket(t.deps.db, jti);
    assert.deepEqual([row?.kind, row?.subject, row?.redeemed_at], ['powertalk', userID, t.clock.now()]);
    const second = await post(t.app, '/v1/auth/access_token/request', client, '""');
    assert.deepEqual([second.body.status, second.body.error.code, second.body.error.message], [401, '40103', 'Auth ticket has already been used']);
  });

  it('refuses a ticket whose user is gone with 40106, and records nothing', async () => {
    const { ticket } = (await post<Ticketed>(t.app, URL, headers, { ...SEED_REQUEST, xcUserID: 'gone-user' })).body.data;
    await t.deps.db.deleteFrom('users').where('project_id', '=', t.project.projectID).where('xc_user_id', '=', 'gone-user').execute();
    const client = { 'app-key': t.project.appKey.header, authorization: `Bearer ${ticket}`, 'content-type': 'text/plain;charset=UTF-8' };
    const res = await post(t.app, '/v1/auth/access_token/request', client, '""');
    assert.deepEqual([res.body.status, res.body.error.code], [401, '40106']);
    assert.equal(await findTicket(t.deps.db, (decode(ticket) as Record<string, string>).jti as string), undefined);
  });

  it('refuses the refresh of a session whose user is gone with 40106', async () => {
    const { ticket } = (await post<Ticketed>(t.app, URL, headers, { ...SEED_REQUEST, xcUserID: 'gone-later' })).body.data;
    const client = (bearer: string) => ({ 'app-key': t.project.appKey.header, authorization: `Bearer ${bearer}`, 'content-type': 'text/plain;charset=UTF-8' });
    const login = await post<{ refreshToken: string }>(t.app, '/v1/auth/access_token/request', client(ticket), '""');
    assert.equal(login.body.status, 200);
    await t.deps.db.deleteFrom('users').where('project_id', '=', t.project.projectID).where('xc_user_id', '=', 'gone-later').execute();
    const res = await post(t.app, '/v1/auth/access_token/refresh', client(login.body.data.refreshToken), '""');
    assert.deepEqual([res.body.status, res.body.error.code], [401, '40106']);
  });

  it('redeems once a ticket an older version recorded unredeemed at issuance', async () => {
    const redeem = (ticket: string) =>
      post(
        t.app,
        '/v1/auth/access_token/request',
        { 'app-key': t.project.appKey.header, authorization: `Bearer ${ticket}`, 'content-type': 'text/plain;charset=UTF-8' },
        '""',
      );
    const { ticket, userID } = (await post<Ticketed>(t.app, URL, headers, { ...SEED_REQUEST, xcUserID: 'older-version' })).body.data;
    const claims = decode(ticket) as Record<string, number | string>;
    const now = t.clock.now();
    const old = { project_id: t.project.projectID, kind: 'powertalk' as const, subject: userID, issued_at: now, redeemed_at: null };
    await t.deps.db
      .insertInto('tickets')
      .values({ ...old, jti: claims.jti as string, expires_at: (claims.exp as number) * 1000 })
      .execute();
    // A record long expired: the next redemption's purge removes it (a minute after the last purge).
    await t.deps.db
      .insertInto('tickets')
      .values({ ...old, jti: 'expired-record', expires_at: now - 1 })
      .execute();
    t.clock.advance(61_000);
    assert.equal((await redeem(ticket)).body.status, 200);
    assert.deepEqual((await redeem(ticket)).body.error.message, 'Auth ticket has already been used');
    assert.ok((await findTicket(t.deps.db, claims.jti as string))?.redeemed_at);
  });

  it('finds the user again by xcUserID, updates given fields and keeps optional ones not given', async () => {
    const first = await post(t.app, URL, headers, { ...SEED_REQUEST, xcUserID: 'keep-1' });
    const { email: _e, phone: _p, ...withoutOptional } = SEED_REQUEST;
    const second = await post(t.app, URL, headers, { ...withoutOptional, xcUserID: 'keep-1', fullName: 'Jony Renamed', userPlatform: 'web' });
    assert.equal(second.status, 200);
    assert.equal(second.body.data.userID, first.body.data.userID);
    const user = await findUserByXcUserId(t.deps.db, t.project.projectID, 'keep-1');
    assert.equal(user?.fullname, 'Jony Renamed');
    assert.equal((await findUserProfile(t.deps.db, t.project.projectID, 'keep-1'))?.last_platform, 'web');
    assert.equal(user?.email, 'jony@email.com');
    assert.equal(user?.phone, '08991234567');
    assert.notEqual(first.body.data.ticket, second.body.data.ticket);
  });

  it('gives new users increasing decimal ids that are never reused', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post(t.app, URL, headers, { ...SEED_REQUEST, xcUserID: `seq-${i}` });
      ids.push(Number(res.body.data.userID));
    }
    for (let i = 1; i < ids.length; i++) assert.ok((ids[i] as number) > (ids[i - 1] as number));
    // Delete the newest user; the next one must not get its id back.
    await t.deps.db
      .deleteFrom('users')
      .where('id', '=', ids.at(-1) as number)
      .execute();
    const next = await post(t.app, URL, headers, { ...SEED_REQUEST, xcUserID: 'seq-after-delete' });
    assert.ok(Number(next.body.data.userID) > (ids.at(-1) as number));
  });

  it('keeps users of different projects apart', async () => {
    const other = await t.newProject(null);
    const a = await post(t.app, URL, headers, { ...SEED_REQUEST, xcUserID: 'shared' });
    const b = await post(t.app, URL, { 'server-key': other.serverKey.header }, { ...SEED_REQUEST, xcUserID: 'shared' });
    assert.equal(b.status, 200, 'the server API is not tier-gated');
    assert.notEqual(a.body.data.userID, b.body.data.userID);
  });

  it('creates exactly one user when 40 requests race on one xcUserID', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post(t.app, URL, headers, { ...SEED_REQUEST, xcUserID: 'race', fullName: `Racer ${i}` })),
    );
    assert.ok(results.every((r) => r.status === 200));
    assert.equal(new Set(results.map((r) => r.body.data.userID)).size, 1);
    const rows = await t.deps.db.selectFrom('users').select('id').where('xc_user_id', '=', 'race').execute();
    assert.equal(rows.length, 1);
  });

  describe('validates every field in the seed order and reports the first failure', () => {
    for (const [index, rule] of AUTH_TICKET_RULES.entries()) {
      if (rule.required) {
        it(`${rule.field} ${rule.name}: missing → 40002 "Param '${rule.name}' is required"`, async () => {
          const body: Record<string, unknown> = { ...SEED_REQUEST };
          delete body[rule.name];
          // Break every later field too: the earlier failure must win.
          for (const later of AUTH_TICKET_RULES.slice(index + 1)) body[later.name] = 12345;
          const res = await post(t.app, URL, headers, body);
          assert.equal(res.status, 400);
          assert.deepEqual(res.body, {
            status: 400,
            error: { code: '40002', message: `Param '${rule.name}' is required`, field: rule.field },
            data: {},
          });
        });
        it(`${rule.field} ${rule.name}: empty or blank string counts as missing`, async () => {
          const res = await post(t.app, URL, headers, { ...SEED_REQUEST, [rule.name]: '   ' });
          assert.equal(res.body.error.message, `Param '${rule.name}' is required`);
          assert.equal(res.body.error.field, rule.field);
        });
      } else {
        it(`${rule.field} ${rule.name}: optional, may be left out or empty`, async () => {
          const body: Record<string, unknown> = { ...SEED_REQUEST, xcUserID: `opt-${rule.name}` };
          delete body[rule.name];
          assert.equal((await post(t.app, URL, headers, body)).status, 200);
          assert.equal((await post(t.app, URL, headers, { ...body, [rule.name]: '' })).status, 200);
          assert.equal((await post(t.app, URL, headers, { ...body, [rule.name]: null })).status, 200);
        });
      }
      it(`${rule.field} ${rule.name}: a number instead of a string → 40002 with field ${rule.field}`, async () => {
        const res = await post(t.app, URL, headers, { ...SEED_REQUEST, [rule.name]: 7 });
        assert.equal(res.status, 400);
        assert.equal(res.body.error.code, '40002');
        assert.equal(res.body.error.field, rule.field);
        assert.equal(res.body.error.message, `Param '${rule.name}' must be a string`);
      });
      it(`${rule.field} ${rule.name}: longer than ${rule.max} characters → 40002`, async () => {
        const res = await post(t.app, URL, headers, { ...SEED_REQUEST, [rule.name]: 'x'.repeat(rule.max + 1) });
        assert.equal(res.status, 400);
        assert.equal(res.body.error.field, rule.field);
        assert.equal(res.body.error.message, `Param '${rule.name}' must be between 1 and ${rule.max} characters`);
      });
    }

    it('xcUserID accepts exactly 50 characters (counted as characters, not bytes)', async () => {
      const res = await post(t.app, URL, headers, { ...SEED_REQUEST, xcUserID: '日'.repeat(50) });
      assert.equal(res.status, 200);
    });

    const formats: Array<[string, string, string, string]> = [
      ['userIPAddress', '101', '999.1.1.1', 'must be a valid IPv4 or IPv6 address'],
      ['userPlatform', '103', 'windows', 'must be one of: android, ios, web'],
      ['email', '107', 'not-an-email', 'must be a valid email address'],
      ['phone', '108', '08x99', 'must contain only digits, spaces, dashes, dots, parentheses and a leading +'],
      ['photoThumbnailURL', '110', 'ftp://example.com/a.jpg', 'must be a valid http or https URL'],
      ['photoFullsizeURL', '111', 'not a url', 'must be a valid http or https URL'],
    ];
    for (const [name, field, value, text] of formats) {
      it(`${field} ${name}: "${value}" → 40002 "${text}"`, async () => {
        const res = await post(t.app, URL, headers, { ...SEED_REQUEST, [name]: value });
        assert.equal(res.status, 400);
        assert.deepEqual(res.body.error, { code: '40002', message: `Param '${name}' ${text}`, field });
      });
    }

    it('accepts IPv6 addresses and every platform', async () => {
      for (const userPlatform of ['android', 'ios', 'web']) {
        const res = await post(t.app, URL, headers, { ...SEED_REQUEST, userIPAddress: '2001:db8::1', userPlatform });
        assert.equal(res.status, 200, userPlatform);
      }
    });

    it('a body that is not an object, or not JSON, is 40002', async () => {
      for (const body of ['[1,2]', '"text"', '42', 'null']) {
        const res = await post(t.app, URL, headers, body);
        assert.deepEqual(res.body.error, { code: '40002', message: 'Request body must be a JSON object', field: '' }, body);
      }
      const bad = await post(t.app, URL, headers, '{"xcUserID": ');
      assert.deepEqual(bad.body.error, { code: '40002', message: 'Request body is not valid JSON', field: '' });
      const empty = await post(t.app, URL, headers, '');
      assert.equal(empty.body.error.message, "Param 'userIPAddress' is required");
    });
  });

  describe('Server-Key', () => {
    it('missing → 400 / 40001 exactly as the seed', async () => {
      const res = await post(t.app, URL, {}, SEED_REQUEST);
      assert.equal(res.status, 400);
      assert.deepEqual(res.body, {
        status: 400,
        error: { code: '40001', message: 'Request headers are required (Server-Key)', field: '' },
        data: {},
      });
    });

    it('malformed (not base64, no colon, bad id) → 491 / 49102', async () => {
      const noColon = Buffer.from('srv_x').toString('base64');
      const badId = Buffer.from('nope:secret').toString('base64');
      for (const value of ['%%%not-base64', noColon, badId]) {
        const res = await post(t.app, URL, { 'server-key': value }, SEED_REQUEST);
        assert.equal(res.status, 491, value);
        assert.deepEqual(res.body.error, { code: '49102', message: 'Malformed key (Server-Key)', field: '' });
      }
    });

    it('wrong secret, unknown id, or an app key instead → 491 / 49103', async () => {
      const { id } = t.project.serverKey;
      const wrongSecret = Buffer.from(`${id}:${'A'.repeat(43)}`).toString('base64');
      const unknown = Buffer.from(`srv_${'0'.repeat(26)}:${t.project.serverKey.secret}`).toString('base64');
      for (const value of [wrongSecret, unknown, t.project.appKey.header]) {
        const res = await post(t.app, URL, { 'server-key': value }, SEED_REQUEST);
        assert.equal(res.status, 491);
        assert.deepEqual(res.body.error, { code: '49103', message: 'Unknown or revoked key (Server-Key)', field: '' });
      }
    });

    it('rotates without downtime: a second key works alongside, revoking the first stops only it', async () => {
      const { createKey, revokeKey } = await import('../src/services/projects.ts');
      const project = await t.newProject();
      const firstHeader = { 'server-key': project.serverKey.header };
      const second = await createKey(t.deps, project.projectID, 'server');
      assert.equal(second.type, 'server');
      const secondHeader = { 'server-key': (second as { header: string }).header };
      const viaFirst = await post(t.app, URL, firstHeader, SEED_REQUEST);
      const viaSecond = await post(t.app, URL, secondHeader, SEED_REQUEST);
      assert.equal(viaFirst.status, 200);
      assert.equal(viaSecond.body.data.userID, viaFirst.body.data.userID, 'both keys act for the same project');
      await revokeKey(t.deps, project.serverKey.id);
      const revoked = await post(t.app, URL, firstHeader, SEED_REQUEST);
      assert.equal(revoked.status, 491);
      assert.equal(revoked.body.error.code, '49103');
      assert.equal((await post(t.app, URL, secondHeader, SEED_REQUEST)).status, 200);
    });

    it('records when a key was last used', async () => {
      const { listKeys } = await import('../src/services/projects.ts');
      const keys = await listKeys(t.deps, t.project.projectID);
      const serverKey = keys.find((k) => k.id === t.project.serverKey.id);
      assert.ok(serverKey?.lastUsedAt, 'last_used_at is set after use');
      assert.ok(serverKey.lastUsedAt >= serverKey.createdAt);
    });
  });

  it('stores the user count it reports (no phantom rows from failed validations)', async () => {
    const before = await countUsers(t.deps.db, t.project.projectID);
    await post(t.app, URL, headers, { ...SEED_REQUEST, xcUserID: 'x'.repeat(51) });
    assert.equal(await countUsers(t.deps.db, t.project.projectID), before);
  });
});
