// POST /v1/auth/access_token/refresh over real HTTP, as the web SDK sends it (`Bearer <refresh token>`,
// body `""`): rotated before routing (api/client/auth.access-token.fast.ts) when the App-Key is cached,
// with the route's very answer. A refusal is the route's too, with the failure the refresh met: a
// refresh token presented again revokes its session once, and is answered as the route alone answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Envelope,
  type TestApp,
  type Ticketed,
  type TokenBundle,
  createTestApp,
  headerNames,
  post,
  authFailureCount,
  bundleShape,
  cachingEnv,
  fastPathCount,
} from './support/app.ts';
import { listen, ticketRequest } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

const PATH = '/v1/auth/access_token/refresh';

await eachDialect(describe, 'refresh before routing', (dialect) => {
  let t: TestApp;
  let base: string;
  const fastCount = () => fastPathCount(t, PATH);
  const failures = () => authFailureCount(t);
  const envelope = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as Envelope<T>;
  /** A ticket and its redemption, both through the routes. */
  const login = async (xcUserID: string) => {
    const ticket = await post<Ticketed>(
      t.app,
      '/v1/server/auth_ticket/request',
      { 'server-key': t.project.serverKey.header },
      ticketRequest(xcUserID, 'Refresher'),
    );
    const bundle = await post<TokenBundle>(
      t.app,
      '/v1/auth/access_token/request',
      { 'app-key': t.project.appKey.header, authorization: `Bearer ${ticket.body.data.ticket}` },
      '""',
    );
    assert.equal(bundle.body.status, 200, JSON.stringify(bundle.body.error));
    return bundle.body.data;
  };
  const refresh = (token: string, appKey = t.project.appKey.header, body = '""') =>
    fetch(`${base}${PATH}`, { method: 'POST', headers: { 'app-key': appKey, authorization: `Bearer ${token}` }, body });
  const routed = (token: string) => post<TokenBundle>(t.app, PATH, { 'app-key': t.project.appKey.header, authorization: `Bearer ${token}` }, '""');
  const connectCheck = async (accessToken: string) =>
    envelope(await fetch(`${base}/connect?check=1`, { headers: { 'app-key': t.project.appKey.header, authorization: `Bearer ${accessToken}` } }));

  before(async () => {
    t = await createTestApp(dialect, cachingEnv(dialect));
    base = await listen(t);
    // The first refresh fills the App-Key's cache through the route.
    assert.equal((await envelope(await refresh((await login('warm-up')).refreshToken))).status, 200);
  });
  after(() => t.close());

  it("refreshes before routing with the route's answer, and the new tokens work", async () => {
    const session = await login('fast-refresh');
    const before = await fastCount();
    const res = await refresh(session.refreshToken);
    const fast = await envelope<TokenBundle>(res);
    assert.equal(fast.status, 200, JSON.stringify(fast.error));
    assert.equal(await fastCount(), before + 1, 'answered before routing');
    // Another session of the same user, refreshed by the route: the same answer but for the tokens and times.
    const other = await routed((await login('fast-refresh')).refreshToken);
    assert.deepEqual(Object.keys(fast.data), Object.keys(other.body.data));
    assert.deepEqual(bundleShape(fast), bundleShape(other.body));
    assert.deepEqual(headerNames(res.headers), headerNames(Object.entries(other.headers)));
    assert.notEqual(fast.data.refreshToken, session.refreshToken);
    assert.equal((await connectCheck(fast.data.accessToken)).status, 200);
    // The new refresh token rotates again, before routing too.
    assert.equal((await envelope(await refresh(fast.data.refreshToken))).status, 200);
    assert.equal(await fastCount(), before + 2);
  });

  it('refreshes before routing whatever the body, which it does not read: empty or not JSON', async () => {
    const before = await fastCount();
    for (const body of ['', 'not json']) assert.equal((await envelope(await refresh((await login('bodies')).refreshToken, undefined, body))).status, 200);
    assert.equal(await fastCount(), before + 2);
  });

  it('answers a refresh token presented again as the route alone does: the session revoked, one failure counted', async () => {
    /** Rotate the session's token, present the old one again, then try the rotated one: three answers. */
    const replay = async (send: (token: string) => Promise<Envelope<TokenBundle>>) => {
      const session = await login('replayed');
      const first = await send(session.refreshToken);
      assert.equal(first.status, 200, JSON.stringify(first.error));
      const failed = await failures();
      const again = await send(session.refreshToken);
      assert.equal(await failures(), failed + 1, 'one failure counted');
      const afterwards = await send(first.data.refreshToken);
      return { first, again, afterwards };
    };
    const beforeFast = await fastCount();
    const fast = await replay(async (token) => envelope(await refresh(token)));
    assert.equal(await fastCount(), beforeFast + 1, 'only the first refresh answered before routing');
    const alone = await replay(async (token) => (await routed(token)).body);
    assert.equal(fast.again.error.message, 'Refresh token already used; the session has been revoked');
    assert.deepEqual(fast.again, alone.again, "the route's refusal of the replay");
    assert.equal(fast.afterwards.error.message, 'Session has been revoked');
    assert.deepEqual(fast.afterwards, alone.afterwards);
    assert.equal((await connectCheck(fast.first.data.accessToken)).error.code, '40104', 'the live access token died with the session');
  });

  it('rotates a refresh token presented twice at once for at most one, whose session the replay revokes', async () => {
    const session = await login('racing');
    const answers = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)].map(async (r) => envelope<TokenBundle>(await r)));
    const winners = answers.filter((a) => a.status === 200);
    assert.ok(winners.length <= 1, JSON.stringify(answers));
    assert.ok(answers.some((a) => a.status === 401));
    for (const w of winners) assert.equal((await connectCheck(w.data.accessToken)).error.code, '40104');
  });

  it('refuses a bad token, an access token and a wrong key as the route does', async () => {
    const session = await login('refused');
    const before = await fastCount();
    for (const token of ['not-a-token', 'rft_00000000000000000000000000.unknown', session.accessToken]) {
      const refused = await envelope(await refresh(token));
      assert.equal(refused.status, 401, token);
      assert.deepEqual(refused, (await routed(token)).body, token);
    }
    const wrongKey = await envelope(await refresh(session.refreshToken, Buffer.from(`${t.project.appKey.id}:wrong`).toString('base64')));
    assert.equal(wrongKey.status, 491);
    assert.equal(await fastCount(), before, 'none answered before routing');
    // The refused calls left the session as it was.
    assert.equal((await envelope(await refresh(session.refreshToken))).status, 200);
  });
});
