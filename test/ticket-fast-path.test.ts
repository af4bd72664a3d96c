// POST /v1/server/auth_ticket/request over real HTTP: a valid request with a cached Server-Key answered
// before routing (api/server/auth-ticket.fast.ts) with the route's very answer — a returning user's
// ticket only signed, a new or changed user's once stored — and every other request handed to the route
// with the body the fast path already read, which the route answers as it always did.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { credentialSubject } from '../src/http/guard.ts';
import { userKey } from '../src/repos/users.ts';
import { revokeKey } from '../src/services/projects.ts';
import { sql } from 'kysely';
import { type Envelope, type TestApp, type Ticketed, type TokenBundle, createTestApp, headerNames, post, cachingEnv, fastPathCount } from './support/app.ts';
import { listen, ticketRequest } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

const PATH = '/v1/server/auth_ticket/request';
const FAILURES_PER_KEY = 20;

const ticketBody = (xcUserID: string, fullName = 'Fast Lane') => ticketRequest(xcUserID, fullName);

await eachDialect(describe, 'auth ticket fast path', (dialect) => {
  let t: TestApp;
  let base: string;
  let serverKey: string;
  const fastCount = () => fastPathCount(t, PATH);
  const request = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'server-key': serverKey, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const envelope = async <T = Record<string, unknown>>(res: Response) => (await res.json()) as Envelope<T>;
  /** Two requests for the user: the first may fill the caches through the route; the second is fast. */
  const warm = async (xcUserID: string) => {
    for (let i = 0; i < 2; i++) assert.equal((await envelope(await request(ticketBody(xcUserID)))).status, 200);
  };

  before(async () => {
    t = await createTestApp(dialect, { PARLEY_RATE_LIMIT: '0', PARLEY_AUTH_FAILURES_PER_KEY: String(FAILURES_PER_KEY), ...cachingEnv(dialect) });
    base = await listen(t);
    serverKey = t.project.serverKey.header;
  });
  after(() => t.close());

  it("answers a returning user's ticket before routing, as the route does, and the ticket redeems", async () => {
    await warm('returning');
    const before = await fastCount();
    const res = await request(ticketBody('returning'));
    assert.equal(await fastCount(), before + 1, 'served by the fast path');
    const fast = await envelope<Ticketed>(res);
    const routed = await post<Ticketed>(t.app, PATH, { 'server-key': serverKey }, ticketBody('returning'));
    assert.deepEqual(Object.keys(fast), Object.keys(routed.body));
    assert.deepEqual({ ...fast, data: { ...fast.data, ticket: '' } }, { ...routed.body, data: { ...routed.body.data, ticket: '' } });
    assert.deepEqual(headerNames(res.headers), headerNames(Object.entries(routed.headers)));
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const redeemed = await post<TokenBundle>(
      t.app,
      '/v1/auth/access_token/request',
      { 'app-key': t.project.appKey.header, authorization: `Bearer ${fast.data.ticket}` },
      '""',
    );
    assert.equal(redeemed.body.status, 200, JSON.stringify(redeemed.body.error));
    assert.equal(redeemed.body.data.user.userID, fast.data.userID);
  });

  it("keeps the caller's request id, as Fastify does", async () => {
    await warm('with-id');
    const before = await fastCount();
    const res = await request(ticketBody('with-id'), { 'x-request-id': 'caller-chosen-id' });
    assert.equal(await fastCount(), before + 1);
    assert.equal(res.headers.get('x-request-id'), 'caller-chosen-id');
  });

  const redeem = (ticket: string) =>
    post<TokenBundle>(t.app, '/v1/auth/access_token/request', { 'app-key': t.project.appKey.header, authorization: `Bearer ${ticket}` }, '""');

  it('counts its answers in GET /metrics as the route counts its own, past a batch of tallies', async () => {
    await warm('counted');
    const scrape = async () => {
      const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      const value = (line: string) =>
        Number(
          text
            .split('\n')
            .find((l) => l.startsWith(`${line} `))
            ?.slice(line.length + 1) ?? 0,
        );
      const route = `route="${PATH}"`;
      return {
        fast: value(`parley_fast_path_requests_total{${route}}`),
        ok: value(`parley_http_requests_total{${route},method="POST",code="ok"}`),
        timed: value(`parley_http_request_duration_seconds_count{${route}}`),
        slowest: value(`parley_http_request_duration_seconds_bucket{le="+Inf",${route}}`),
        seconds: value(`parley_http_request_duration_seconds_sum{${route}}`),
        issued: value('parley_tickets_issued_total{kind="powertalk"}'),
      };
    };
    const before = await scrape();
    // More than one buffer of durations (metrics.ts: 256), so one is folded in before the scrape.
    const calls = 300;
    for (let i = 0; i < calls; i++) assert.equal((await envelope(await request(ticketBody('counted')))).status, 200);
    const after = await scrape();
    for (const name of ['fast', 'ok', 'timed', 'slowest', 'issued'] as const) assert.equal(after[name] - before[name], calls, name);
    assert.ok(after.seconds > before.seconds);
  });

  it("answers a changed profile before routing once the user is updated, with the route's answer", async () => {
    await warm('renamed');
    const before = await fastCount();
    const res = await request(ticketBody('renamed', 'New Name'));
    const renamed = await envelope<Ticketed>(res);
    assert.equal(renamed.status, 200);
    assert.equal(await fastCount(), before + 1, 'answered before routing');
    const routed = await post<Ticketed>(t.app, PATH, { 'server-key': serverKey }, ticketBody('renamed', 'Newer Name'));
    assert.deepEqual({ ...renamed, data: { ...renamed.data, ticket: '' } }, { ...routed.body, data: { ...routed.body.data, ticket: '' } });
    assert.equal((await redeem(renamed.data.ticket)).body.data.user.fullname, 'Newer Name', 'the stored profile is the latest');
    assert.equal(res.headers.get('content-length'), String(JSON.stringify(renamed).length));
  });

  it("answers a new user's ticket before routing once the user is stored; the user then returns", async () => {
    await warm('first-user');
    const before = await fastCount();
    const created = await envelope<Ticketed>(await request(ticketBody('brand-new', 'Brand New')));
    assert.equal(created.status, 200);
    assert.equal(await fastCount(), before + 1, 'answered before routing');
    const redeemed = await redeem(created.data.ticket);
    assert.equal(redeemed.body.status, 200, JSON.stringify(redeemed.body.error));
    assert.deepEqual([redeemed.body.data.user.userID, redeemed.body.data.user.fullname], [created.data.userID, 'Brand New']);
    // The same user again: the same userID, whoever answers.
    const again = await envelope<Ticketed>(await request(ticketBody('brand-new', 'Brand New')));
    assert.equal(again.data.userID, created.data.userID);
  });

  it('hands a call whose write fails to the route, which does it again and answers as it always does', async () => {
    await warm('before-fault');
    // A database that refuses this one user, as a full disk or a broken constraint would.
    const refuse =
      dialect === 'sqlite'
        ? sql`create trigger no_doomed before insert on users when new.xc_user_id = 'doomed' begin select raise(abort, 'doomed refused'); end`
        : sql`alter table users add constraint no_doomed check (xc_user_id <> 'doomed')`;
    await refuse.execute(t.deps.db);
    const before = await fastCount();
    const res = await request(ticketBody('doomed'));
    const failed = await envelope(res);
    const routed = await post(t.app, PATH, { 'server-key': serverKey }, ticketBody('doomed'));
    assert.equal(await fastCount(), before, 'not answered before routing');
    assert.notEqual(failed.status, 200);
    assert.deepEqual([res.status, failed.status, failed.error.code], [routed.status, routed.body.status, routed.body.error.code]);
    // Other users are still answered before routing.
    assert.equal((await envelope(await request(ticketBody('after-fault')))).status, 200);
    assert.equal(await fastCount(), before + 1);
  });

  it("keeps a returning user's profile cached while other users sign up and change theirs", async () => {
    await warm('steady');
    await warm('other');
    const cached = (xcUserID: string) => t.deps.authCache.profiles.get(userKey(t.project.projectID, xcUserID)) !== undefined;
    assert.deepEqual([cached('steady'), cached('other')], [true, true]);
    assert.equal((await envelope(await request(ticketBody(`newcomer-${Date.now()}`)))).status, 200);
    assert.equal((await envelope(await request(ticketBody('other', 'Other, renamed')))).status, 200);
    assert.deepEqual([cached('steady'), cached('other')], [true, false], "only the changed user's profile was forgotten");
    assert.equal((await envelope(await request(ticketBody('other', 'Other, renamed')))).status, 200);
    assert.equal(cached('other'), true, 'the renamed user was read again');
  });

  it('hands bad input to the route, which answers with the seed codes and fields', async () => {
    await warm('bad-input');
    const before = await fastCount();
    const missing = await envelope(await request({ ...ticketBody('bad-input'), fullName: undefined }));
    assert.deepEqual([missing.status, missing.error.code, missing.error.field], [400, '40002', '106']);
    const malformed = await envelope(await request('{"xcUserID": '));
    assert.equal(malformed.status, 400);
    const wrongKey = await envelope(
      await request(ticketBody('bad-input'), { 'server-key': Buffer.from(`${t.project.serverKey.id}:wrong`).toString('base64') }),
    );
    assert.deepEqual([wrongKey.status, wrongKey.error.code], [491, '49103']);
    const noKey = await fetch(`${base}${PATH}`, { method: 'POST', body: JSON.stringify(ticketBody('bad-input')) });
    assert.equal((await envelope(noKey)).error.code, '40001');
    assert.equal(await fastCount(), before, 'none was answered before routing');
  });

  it('leaves Idempotency-Key calls to the route, which replays the first answer', async () => {
    await warm('idempotent');
    const before = await fastCount();
    const first = await envelope<Ticketed>(await request(ticketBody('idempotent'), { 'idempotency-key': 'once' }));
    const again = await envelope<Ticketed>(await request(ticketBody('idempotent'), { 'idempotency-key': 'once' }));
    assert.equal(first.status, 200);
    assert.equal(again.data.ticket, first.data.ticket);
    assert.equal(await fastCount(), before);
  });

  it('refuses the ticket of a revoked key', async () => {
    const project = await t.newProject();
    const header = project.serverKey.header;
    for (let i = 0; i < 2; i++) assert.equal((await envelope(await request(ticketBody('revoked'), { 'server-key': header }))).status, 200);
    await revokeKey(t.deps, project.serverKey.id);
    const refused = await envelope(await request(ticketBody('revoked'), { 'server-key': header }));
    assert.deepEqual([refused.status, refused.error.code], [491, '49103']);
  });

  it('on one connection, takes again only the very key header that checked out on it, and not once it is revoked', async () => {
    const [a, b] = [await t.newProject(), await t.newProject()];
    // One keep-alive connection for every request below (each reports whether it reused it).
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (header: string) =>
      new Promise<{ status: number; code: string; pid: string | undefined; reused: boolean }>((resolve, reject) => {
        const req = httpRequest(`${base}${PATH}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'server-key': header } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Envelope<Ticketed>;
            const payload = body.data.ticket?.split('.')[1];
            const pid = payload === undefined ? undefined : (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { pid: string }).pid;
            resolve({ status: body.status, code: body.error.code, pid, reused: req.reusedSocket });
          });
        });
        req.on('error', reject);
        req.end(JSON.stringify(ticketBody('one-connection')));
      });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await send(a.serverKey.header)).pid, a.projectID);
      const before = await fastCount();
      assert.deepEqual(await send(a.serverKey.header), { status: 200, code: '', pid: a.projectID, reused: true });
      assert.equal(await fastCount(), before + 1, 'answered before routing');
      // The same key id with another secret of the same length, on the connection that presented the right one.
      const last = a.serverKey.secret.at(-1) === 'A' ? 'B' : 'A';
      const wrong = Buffer.from(`${a.serverKey.id}:${a.serverKey.secret.slice(0, -1)}${last}`).toString('base64');
      assert.deepEqual(await send(wrong), { status: 491, code: '49103', pid: undefined, reused: true });
      // Another project's key, then the first again: each answered for its own project.
      for (const project of [b, b, a]) assert.deepEqual(await send(project.serverKey.header), { status: 200, code: '', pid: project.projectID, reused: true });
      await revokeKey(t.deps, a.serverKey.id);
      assert.deepEqual(await send(a.serverKey.header), { status: 491, code: '49103', pid: undefined, reused: true });
    } finally {
      agent.destroy();
    }
  });

  it('leaves a Server-Key over its failure limit to the route, which refuses it outright', async () => {
    const project = await t.newProject();
    const header = project.serverKey.header;
    for (let i = 0; i < 2; i++) assert.equal((await envelope(await request(ticketBody('limited-key'), { 'server-key': header }))).status, 200);
    const before = await fastCount();
    // The credential's failures, as the guard counts them, up to PARLEY_AUTH_FAILURES_PER_KEY.
    const subject = credentialSubject([header]);
    for (let i = 0; i < FAILURES_PER_KEY; i++) await t.deps.authGuard.recordFailure([subject]);
    const refused = await request(ticketBody('limited-key'), { 'server-key': header });
    assert.equal(refused.status, 429);
    assert.equal((await envelope(refused)).error.code, '42900');
    assert.equal(await fastCount(), before, 'not answered before routing');
    // Another key is still answered before routing.
    await warm('other-key');
    const warmed = await fastCount();
    assert.equal((await envelope(await request(ticketBody('other-key')))).status, 200);
    assert.equal(await fastCount(), warmed + 1);
  });

  it('reads a body that arrives in pieces, and survives a client that leaves mid-body', async () => {
    await warm('pieces');
    const port = new URL(base).port;
    const body = JSON.stringify(ticketBody('pieces'));
    const head = `POST ${PATH} HTTP/1.1\r\nHost: x\r\nServer-Key: ${serverKey}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const leaving = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => leaving.once('connect', resolve));
    leaving.write(head + body.slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 20));
    leaving.destroy();

    const before = await fastCount();
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    const ended = new Promise((resolve) => socket.once('end', resolve));
    socket.write(`${head.replace('Host: x', 'Host: x\r\nConnection: close')}${body.slice(0, 30)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.write(body.slice(30));
    await ended;
    assert.match(answer, /^HTTP\/1\.1 200 OK/);
    const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Envelope<Ticketed>;
    assert.equal(json.status, 200);
    assert.equal(await fastCount(), before + 1);
  });
});

describe('auth ticket fast path, per-key rate limit counted in this process (SQLite, one node)', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await createTestApp('sqlite', { PARLEY_RATE_LIMIT: '6' });
    base = await listen(t);
  });
  after(() => t.close());

  const fastCount = () => fastPathCount(t, PATH);
  const send = (xcUserID: string) =>
    fetch(`${base}${PATH}`, { method: 'POST', headers: { 'server-key': t.project.serverKey.header }, body: JSON.stringify(ticketBody(xcUserID)) });
  const rate = (res: Response) => [res.headers.get('x-ratelimit-limit'), res.headers.get('x-ratelimit-remaining'), res.headers.get('x-ratelimit-reset')];

  it('answers before routing within the limit, counting each call once with the route, and leaves the call over it to the route', async () => {
    assert.deepEqual(rate(await send('limited')), ['6', '5', '60'], 'a new user, routed: the window opens');
    t.clock.advance(20_000);
    // The route again (the key's cached entry has expired meanwhile), filling the caches.
    assert.deepEqual(rate(await send('limited')), ['6', '4', '40']);
    const before = await fastCount();
    const fast = await send('limited');
    assert.equal(await fastCount(), before + 1, 'served by the fast path');
    assert.deepEqual(rate(fast), ['6', '3', '40']);
    // A new user's ticket, answered before routing once stored, takes the next one.
    assert.deepEqual(rate(await send('limited-too')), ['6', '2', '40']);
    assert.equal(await fastCount(), before + 2);
    // The route counts in the same window.
    const routed = await post(t.app, PATH, { 'server-key': t.project.serverKey.header }, ticketBody('limited'));
    assert.equal(routed.headers['x-ratelimit-remaining'], '1');
    assert.deepEqual(headerNames(fast.headers), headerNames(Object.entries(routed.headers)), 'the same headers as the route');
    assert.deepEqual(rate(await send('limited')), ['6', '0', '40']);
    assert.equal(await fastCount(), before + 3);

    // Over the limit: the route refuses it, as it refuses any call over it.
    const over = await send('limited');
    assert.equal(over.status, 429);
    const body = (await over.json()) as Envelope;
    assert.equal(body.error.code, '42900');
    assert.equal(body.error.message, 'Rate limit exceeded');
    assert.equal(over.headers.get('retry-after'), '40');
    assert.equal(await fastCount(), before + 3, 'not answered before routing');

    // A new window (the route first, the key's cached entry having expired), then answered before routing again.
    t.clock.advance(40_000);
    assert.deepEqual(rate(await send('limited')), ['6', '5', '60']);
    const next = await send('limited');
    assert.equal(next.status, 200);
    assert.deepEqual(rate(next), ['6', '4', '60']);
    assert.equal(await fastCount(), before + 4);
  });
});

await eachDialect(describe, 'auth ticket fast path, per-key rate limit counted in Redis', (dialect) => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await createTestApp(dialect, { PARLEY_REDIS_URL: 'redis://127.0.0.1:6379', PARLEY_REDIS_PREFIX: `parley-test-${randomBytes(4).toString('hex')}:` });
    base = await listen(t);
  });
  after(() => t.close());

  it('is left to the route, which counts the call across nodes and says so in its headers', async () => {
    const send = () =>
      fetch(`${base}${PATH}`, { method: 'POST', headers: { 'server-key': t.project.serverKey.header }, body: JSON.stringify(ticketBody('limited')) });
    for (let i = 0; i < 3; i++) assert.equal(((await (await send()).json()) as Envelope).status, 200);
    const res = await send();
    assert.equal(((await res.json()) as Envelope).status, 200);
    assert.equal(res.headers.get('x-ratelimit-limit'), '60000');
    assert.equal(res.headers.get('x-ratelimit-remaining'), '59996');
    assert.equal(
      (await t.deps.metrics.fastPath.get()).values.find((v) => v.labels.route === PATH),
      undefined,
    );
  });
});
