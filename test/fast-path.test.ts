// GET /connect?check=1 over real HTTP: answered before routing when everything is cached, with the
// very response the Fastify route gives, and handed to the full path (which refuses properly)
// whenever anything is not right.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, createTestApp, headerNames } from './support/app.ts';
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
