// POST /v1/auth/access_token/request over real HTTP, as the web SDK sends it (`Bearer <ticket>`, body
// `""`, no Content-Type): redeemed before routing (api/client/auth.access-token.fast.ts) when the App-Key
// is cached, with the route's very answer; every refusal is the route's, counted once by its guard.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  type Envelope,
  type TestApp,
  type TokenBundle,
  createTestApp,
  headerNames,
  post,
  authFailureCount,
  bundleShape,
  cachingEnv,
  fastPathCount,
} from './support/app.ts';
import { issueTicket, listen } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

const PATH = '/v1/auth/access_token/request';

await eachDialect(describe, 'ticket redemption before routing', (dialect) => {
  let t: TestApp;
  let base: string;
  const fastCount = () => fastPathCount(t, PATH);
  const failures = () => authFailureCount(t);
  const ticketFor = (xcUserID: string) => issueTicket(t, xcUserID);
  const redeem = (ticket: string, appKey = t.project.appKey.header, body = '""') =>
    fetch(`${base}${PATH}`, {
      method: 'POST',
      headers: { 'app-key': appKey, authorization: `Bearer ${ticket}`, 'device-identifier': 'device-7', 'device-platform': 'web' },
      body,
    });
  const envelope = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as Envelope<T>;
  const routed = (ticket: string) => post<TokenBundle>(t.app, PATH, { 'app-key': t.project.appKey.header, authorization: `Bearer ${ticket}` }, '""');

  before(async () => {
    t = await createTestApp(dialect, cachingEnv(dialect));
    base = await listen(t);
    // The first redemption fills the App-Key's cache through the route.
    assert.equal((await envelope(await redeem((await ticketFor('warm-up')).ticket))).status, 200);
  });
  after(() => t.close());

  it("redeems a ticket before routing with the route's answer, and the session works", async () => {
    const { ticket, userID } = await ticketFor('fast-user');
    const before = await fastCount();
    const res = await redeem(ticket);
    const fast = await envelope<TokenBundle>(res);
    assert.equal(fast.status, 200, JSON.stringify(fast.error));
    assert.equal(await fastCount(), before + 1, 'answered before routing');
    assert.equal(fast.data.user.userID, userID);
    // The same user's next ticket, redeemed by the route: the same answer but for the tokens and times.
    const other = await routed((await ticketFor('fast-user')).ticket);
    assert.deepEqual(Object.keys(fast.data), Object.keys(other.body.data));
    assert.deepEqual(bundleShape(fast), bundleShape(other.body));
    assert.deepEqual(headerNames(res.headers), headerNames(Object.entries(other.headers)));
    // The access token authenticates, and the refresh token refreshes.
    const check = await fetch(`${base}/connect?check=1`, { headers: { 'app-key': t.project.appKey.header, authorization: `Bearer ${fast.data.accessToken}` } });
    assert.equal((await envelope(check)).status, 200);
    const refreshed = await post<TokenBundle>(
      t.app,
      '/v1/auth/access_token/refresh',
      { 'app-key': t.project.appKey.header, authorization: `Bearer ${fast.data.refreshToken}` },
      '""',
    );
    assert.equal(refreshed.body.status, 200, JSON.stringify(refreshed.body.error));
  });

  it('redeems before routing whatever the body, which neither reads: empty, absent or not JSON', async () => {
    const before = await fastCount();
    for (const body of ['', 'not json']) assert.equal((await envelope(await redeem((await ticketFor('bodies')).ticket, undefined, body))).status, 200);
    // No Content-Length at all (fetch always sends one for a body): by hand.
    const { ticket } = await ticketFor('bodies');
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    const ended = new Promise((resolve) => socket.once('end', resolve));
    socket.write(`POST ${PATH} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nApp-Key: ${t.project.appKey.header}\r\nAuthorization: Bearer ${ticket}\r\n\r\n`);
    await ended;
    assert.equal((JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Envelope).status, 200, answer);
    assert.equal(await fastCount(), before + 3);
  });

  it('leaves a used ticket to the route, which refuses it and counts one failure', async () => {
    const { ticket } = await ticketFor('twice');
    assert.equal((await envelope(await redeem(ticket))).status, 200);
    const before = await fastCount();
    const failed = await failures();
    const again = await envelope(await redeem(ticket));
    assert.equal(await fastCount(), before, 'not answered before routing');
    assert.equal(await failures(), failed + 1, 'one failure counted, by the route');
    const third = await routed(ticket);
    assert.notEqual(again.status, 200);
    assert.deepEqual(again, third.body, "the route's refusal");
    assert.equal(again.error.message, 'Auth ticket has already been used');
  });

  it('redeems a ticket once when two redemptions race', async () => {
    const { ticket } = await ticketFor('racing');
    const answers = await Promise.all([redeem(ticket), redeem(ticket)].map(async (r) => envelope(await r)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 401]);
  });

  it("refuses a revoked user's outstanding ticket, a bad ticket and a wrong key as the route does", async () => {
    const { ticket } = await ticketFor('revoked');
    t.clock.advance(1);
    const revoked = await post(t.app, '/v1/server/session/revoke_user', { 'server-key': t.project.serverKey.header }, { xcUserID: 'revoked' });
    assert.equal(revoked.body.status, 200);
    const before = await fastCount();
    const refused = await envelope(await redeem(ticket));
    assert.equal(refused.error.message, 'Auth ticket has been revoked');
    const bad = await envelope(await redeem('not-a-ticket'));
    assert.deepEqual(bad, (await routed('not-a-ticket')).body);
    const wrongKey = await envelope(await redeem((await ticketFor('wrong-key')).ticket, Buffer.from(`${t.project.appKey.id}:wrong`).toString('base64')));
    assert.equal(wrongKey.status, 491);
    assert.equal(await fastCount(), before, 'none answered before routing');
  });
});
