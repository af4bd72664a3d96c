// GET /connect?check=1 over real HTTP: answered before routing when everything is cached, with the
// very response the Fastify route gives, and handed to the full path (which refuses properly)
// whenever anything is not right.
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connectCheckFastPath } from '../src/http/fast-path.ts';
import { type TestApp, cachingEnv, createTestApp, headerNames } from './support/app.ts';
import { type ChatUser, clientCall, listen, loginUser } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

await eachDialect(describe, 'connect check fast path', (dialect) => {
  let t: TestApp;
  let base: string;
  let user: ChatUser;
  const fastCount = async () => (await t.deps.metrics.fastPath.get()).values.find((v) => v.labels.route === '/connect')?.value ?? 0;
  const check = (headers: Record<string, string>) => fetch(`${base}/connect?check=1`, { headers });

  before(async () => {
    t = await createTestApp(dialect, { PARLEY_AUTH_FAILURES_PER_ADDRESS: '3' });
    base = await listen(t);
    user = await loginUser(t, 'Fast');
  });
  after(() => t.close());

  it('answers a cached token before routing, exactly as the route does', async () => {
    const headers = { 'app-key': t.project.appKey.header, authorization: `Bearer ${user.accessToken}` };
    // The first check may fill the caches through the full path; later ones are fast on SQLite.
    await check(headers);
    const before = await fastCount();
    const res = await check(headers);
    const routed = await t.app.inject({ method: 'GET', url: '/connect?check=1', headers });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), routed.body);
    assert.deepEqual(headerNames(res.headers), headerNames(Object.entries(routed.headers).map(([k, v]) => [k, String(v)])));
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    if (dialect === 'sqlite') assert.equal(await fastCount(), before + 1, 'served by the fast path');
  });

  it('leaves refusals to the full path: wrong key, bad token, ended session', async () => {
    const wrongKey = await check({ 'app-key': Buffer.from('app_x:y').toString('base64'), authorization: `Bearer ${user.accessToken}` });
    assert.equal(((await wrongKey.json()) as { error: { code: string } }).error.code, '49102');
    const badToken = await check({ 'app-key': t.project.appKey.header, authorization: 'Bearer nope' });
    assert.equal(((await badToken.json()) as { error: { code: string } }).error.code, '40103');
    const other = await loginUser(t, 'Leaving');
    const headers = { 'app-key': t.project.appKey.header, authorization: `Bearer ${other.accessToken}` };
    assert.equal(((await (await check(headers)).json()) as { status: number }).status, 200);
    await clientCall(t, other, '/v1/client/logout');
    const ended = (await (await check(headers)).json()) as { status: number; error: { code: string } };
    assert.equal(ended.status, 401);
    assert.equal(ended.error.code, '40104');
  });

  // Issue #9 changed this: a good token from a blocked address is served (it was refused before).
  it('serves a good token from an address blocked after failures, and refuses its bad ones with 429', async () => {
    for (let i = 0; i < 3; i++) await check({ 'app-key': t.project.appKey.header, authorization: `Bearer wrong${i}` });
    const bad = (await (await check({ 'app-key': t.project.appKey.header, authorization: 'Bearer wrong' })).json()) as {
      status: number;
      error: { code: string };
    };
    assert.equal(bad.status, 429);
    assert.equal(bad.error.code, '42900');
    const good = (await (await check({ 'app-key': t.project.appKey.header, authorization: `Bearer ${user.accessToken}` })).json()) as { status: number };
    assert.equal(good.status, 200);
  });
});

// A turn's answers are written together once its requests are read (atTurnEnd): a server of the test's
// own hands each request to the fast path and looks at the answer as the fast path leaves it.
await eachDialect(describe, "fast path answers at the turn's end", (dialect) => {
  let t: TestApp;
  let user: ChatUser;
  let server: Server;
  let base: string;
  /** For each request: whether the fast path took it, and whether its answer had been written when it returned. */
  const seen: Array<{ taken: boolean; written: boolean }> = [];

  before(async () => {
    t = await createTestApp(dialect, cachingEnv(dialect));
    user = await loginUser(t, 'Turn');
    const fast = connectCheckFastPath(t.deps, { isClosing: () => false, hold: () => () => {} });
    server = createServer((req, res) => {
      const taken = fast(req, res, () => {
        res.statusCode = 599;
        res.end();
      });
      seen.push({ taken, written: res.headersSent });
      // A client that goes away before the turn's answers are written.
      if (req.headers['x-leave'] !== undefined) res.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  const credentials = () => ({ 'app-key': t.project.appKey.header, authorization: `Bearer ${user.accessToken}` });
  const check = (extra: Record<string, string> = {}) => fetch(`${base}/connect?check=1`, { headers: { ...credentials(), ...extra } });
  const routed = () => t.app.inject({ method: 'GET', url: '/connect?check=1', headers: credentials() });

  it('writes each answer after its handler returned, every one of a burst, as the route answers', async () => {
    // Through the app first: it fills the caches the fast path answers from.
    await routed();
    seen.length = 0;
    const answers = await Promise.all(Array.from({ length: 20 }, () => check()));
    const expected = (await routed()).body;
    for (const res of answers) {
      assert.equal(res.status, 200);
      assert.equal(await res.text(), expected);
    }
    assert.equal(seen.length, 20);
    assert.deepEqual(
      seen,
      Array.from({ length: 20 }, () => ({ taken: true, written: false })),
      'taken by the fast path, written after it returned',
    );
  });

  it('skips a client gone before the turn ended, and answers the others', async () => {
    seen.length = 0;
    const [gone, ...others] = await Promise.allSettled([check({ 'x-leave': '1' }), check(), check()]);
    assert.equal(gone?.status, 'rejected', 'the client that left got no answer');
    for (const other of others) {
      assert.equal(other.status, 'fulfilled');
      if (other.status === 'fulfilled') assert.equal(other.value.status, 200);
    }
    assert.equal((await check()).status, 200, 'the server still answers');
  });
});
