// The throttling rule (src/http/guard.ts) with the production limits: failures count per source
// address and per presented credential, never per App-Key id (public: it ships in every app), and a
// request whose credentials are valid is never refused because of anyone else's failures.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type TestApp, createTestApp } from './support/app.ts';
import { type ChatUser, listen, loginUser, requestTicketAt } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { type Source, callFrom, closeSources, socketFrom, source } from './support/sources.ts';

/** The documented defaults (docs/configuration.md): createTestApp would otherwise lift them. */
const PRODUCTION_LIMITS = { PARLEY_AUTH_FAILURES_PER_ADDRESS: '30', PARLEY_AUTH_FAILURES_PER_KEY: '100', PARLEY_AUTH_FAILURE_WINDOW: '300' };

const garbageToken = () => `eyJhbGciOiJIUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`;

await eachDialect(describe, 'throttling: garbage with the public App-Key', (dialect) => {
  let t: TestApp;
  let base: string;
  let legit: ChatUser;
  const attackers = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'].map(source);
  const elsewhere = source('127.0.0.6');
  const sameAsAttacker = attackers[0] as Source;
  const appKey = () => t.project.appKey.header;

  before(async () => {
    t = await createTestApp(dialect, PRODUCTION_LIMITS);
    base = await listen(t);
    legit = await loginUser(t, 'Legit');
  });
  after(async () => {
    closeSources([...attackers, elsewhere]);
    await t.close();
  });

  it('150 garbage tokens from four addresses: only those addresses get 429, and only for garbage', async () => {
    const codes = new Map<string, number>();
    for (let i = 0; i < 150; i++) {
      const from = attackers[i % attackers.length] as Source;
      const headers = { 'app-key': appKey(), authorization: `Bearer ${garbageToken()}` };
      // REST, ticket redemption, and the socket upgrade, as a client would send them.
      const kind = i % 3;
      let code: string;
      if (kind === 0) code = (await callFrom(from, base, '/v1/client/user/get_by_id', headers, JSON.stringify({ id: legit.userID }))).body.error.code;
      else if (kind === 1) code = (await callFrom(from, base, '/v1/auth/access_token/request', headers)).body.error.code;
      else {
        const res = await socketFrom(from, base, appKey(), garbageToken());
        assert.ok(!('socket' in res), 'a garbage token opened a socket');
        code = res.body.error.code;
      }
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    assert.deepEqual([...codes.keys()].sort(), ['40103', '42900'], JSON.stringify([...codes]));
    // Each address is past its 30 failures: its garbage is now refused with 429 (REST and socket).
    for (const from of attackers) {
      const res = await callFrom(from, base, '/v1/client/user/get_by_id', { 'app-key': appKey(), authorization: `Bearer ${garbageToken()}` }, '{"id":"1"}');
      assert.equal(res.body.status, 429);
      assert.equal(res.body.error.code, '42900');
      assert.ok(Number(res.headers['retry-after']) > 0);
    }
    const refused = await socketFrom(sameAsAttacker, base, appKey(), garbageToken());
    assert.ok(!('socket' in refused) && refused.status === 429);
  });

  for (const [where, from] of [
    ['another address', () => elsewhere],
    ["an attacker's own address", () => sameAsAttacker],
  ] as const) {
    it(`a legitimate user on ${where} still calls REST, redeems a ticket and opens the socket`, async () => {
      const headers = { 'app-key': appKey(), authorization: `Bearer ${legit.accessToken}` };
      const rest = await callFrom(from(), base, '/v1/client/user/get_by_id', headers, JSON.stringify({ id: legit.userID }));
      assert.equal(rest.body.status, 200, JSON.stringify(rest.body.error));
      const check = await callFrom(from(), base, '/connect?check=1', headers, null);
      assert.equal(check.body.status, 200, JSON.stringify(check.body.error));

      const { ticket } = await requestTicketAt(base, t.project.serverKey.header, 'Newcomer');
      const redeemed = await callFrom(from(), base, '/v1/auth/access_token/request', { 'app-key': appKey(), authorization: `Bearer ${ticket}` });
      assert.equal(redeemed.body.status, 200, JSON.stringify(redeemed.body.error));

      const opened = await socketFrom(from(), base, appKey(), legit.accessToken);
      assert.ok('socket' in opened, JSON.stringify(opened));
      await opened.socket.close();
    });
  }
});

await eachDialect(describe, 'throttling: stale tokens after the signing secret changed', (dialect) => {
  let old: TestApp;
  let current: TestApp;
  let base: string;
  const clients = ['127.0.0.2', '127.0.0.3', '127.0.0.4'].map(source);
  const elsewhere = source('127.0.0.7');

  before(async () => {
    old = await createTestApp(dialect, { ...PRODUCTION_LIMITS, PARLEY_TICKET_SECRET: 'a'.repeat(40) });
    // The same deployment after a rotation to a new secret (docs/security.md) once the old one is no
    // longer accepted: every token signed before is now invalid.
    const rotating = await createTestApp(dialect, {
      ...PRODUCTION_LIMITS,
      PARLEY_TICKET_SECRET: 'b'.repeat(40),
      PARLEY_TICKET_SECRET_ACCEPTED: 'a'.repeat(40),
      PARLEY_DATABASE_URL: old.databaseUrl,
    });
    await rotating.close();
    current = await createTestApp(dialect, { ...PRODUCTION_LIMITS, PARLEY_TICKET_SECRET: 'b'.repeat(40), PARLEY_DATABASE_URL: old.databaseUrl });
    base = await listen(current);
  });
  after(async () => {
    closeSources([...clients, elsewhere]);
    await current.close();
    await old.close();
  });

  it('120 retries of 10 stale tokens do not lock out a user with a fresh token, on the same addresses or others', async () => {
    const stale = await Promise.all(Array.from({ length: 10 }, (_, i) => loginUser(old, `Returning ${i}`)));
    const appKey = old.project.appKey.header;
    for (let round = 0; round < 12; round++) {
      for (const [i, user] of stale.entries()) {
        const from = clients[i % clients.length] as Source;
        const res = await callFrom(from, base, '/connect?check=1', { 'app-key': appKey, authorization: `Bearer ${user.accessToken}` }, null);
        assert.ok(['40103', '42900'].includes(res.body.error.code), JSON.stringify(res.body.error));
      }
    }
    // A user of the same project who signs in again after the change, on the restarted server.
    const fresh = await loginUser({ ...current, project: old.project }, 'Fresh');
    for (const from of [...clients, elsewhere]) {
      const headers = { 'app-key': appKey, authorization: `Bearer ${fresh.accessToken}` };
      const rest = await callFrom(from, base, '/v1/client/user/get_by_id', headers, JSON.stringify({ id: fresh.userID }));
      assert.equal(rest.body.status, 200, `${from.address}: ${JSON.stringify(rest.body.error)}`);
      const opened = await socketFrom(from, base, appKey, fresh.accessToken);
      assert.ok('socket' in opened, `${from.address}: ${JSON.stringify(opened)}`);
      await opened.socket.close();
    }
  });
});
