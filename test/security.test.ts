// The security suite (style guide, "Tests"): every route the server serves, plus the socket upgrade,
// against no, malformed, wrong, revoked, expired and wrong-realm credentials. The table below names
// each route's realm by hand; a route the server serves that the table lacks (or the reverse) fails.
// Every refused request carries a body that is not even JSON (`{`), so a route that read its body
// before authenticating would answer 40002 instead of the credential's code.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listRoutes } from '../src/server.ts';
import { createProject } from '../src/services/projects.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { ChatSocket, listen } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { type Case, type Headers, JUNK, REFUSALS, type Realm, casesFor, goodHeaders } from './support/security-cases.ts';
import { type Credentials, makeCredentials } from './support/security-credentials.ts';

/** Every route, by hand. `WS /connect` is the socket upgrade (`GET /connect` with `Upgrade: websocket`). */
const TABLE: Readonly<Record<string, Realm>> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'GET /openapi.json': 'public',
  'GET /demo': 'public',
  'GET /demo/sdk.js': 'public',
  'GET /demo/page.js': 'public',
  'GET /demo/livechat.js': 'public',
  'POST /demo/ticket': 'public',
  'GET /demo/users': 'public',
  'GET /inbox': 'public',
  'GET /inbox/sdk.js': 'public',
  'GET /inbox/page.js': 'public',
  'POST /v1/server/auth_ticket/request': 'server',
  'POST /v1/server/session/revoke_user': 'server',
  'POST /v1/server/session/revoke_all': 'server',
  'POST /v1/server/user/update': 'server',
  'POST /v1/server/contact/sync': 'server',
  'POST /v1/server/room/create_or_update': 'server',
  'POST /v1/server/message/send/custom': 'server',
  'POST /api/integration/v1/user/request_auth_ticket': 'api',
  'POST /api/integration/v1/user/sync_contact': 'api',
  'POST /api/integration/v1/case/get_list': 'api',
  'POST /v1/client/project_configs': 'client-key-only',
  'POST /v1/auth/access_token/request': 'client-ticket',
  'POST /v1/auth/access_token/refresh': 'client-refresh',
  'GET /connect': 'client',
  'WS /connect': 'client',
  'POST /v1/client/logout': 'client',
  'POST /v1/client/user/get_by_id': 'client',
  'POST /v1/client/user/get_by_xcuserid': 'client',
  'POST /v1/client/user/get_by_username': 'client',
  'POST /v1/chat/message/room_list_and_unread': 'client',
  'POST /v1/chat/message/new_and_updated': 'client',
  'POST /v1/chat/message/list_by_room/before': 'client',
  'POST /v1/chat/message/list_by_room/after': 'client',
  'POST /v1/chat/message/feedback/delivered': 'client',
  'POST /v1/chat/message/feedback/read': 'client',
  'POST /v1/chat/message/delete': 'client',
  'POST /v1/chat/message/send/custom': 'client',
  'POST /v1/chat/scheduled_message/get_scheduled_list': 'client',
  'POST /v1/chat/scheduled_message/create': 'client',
  'POST /v1/chat/scheduled_message/send_now': 'client',
  'POST /v1/chat/scheduled_message/edit_scheduled_time': 'client',
  'POST /v1/chat/scheduled_message/edit_content': 'client',
  'POST /v1/chat/scheduled_message/delete': 'client',
  'POST /v1/client/room/get_room_ids_with_state': 'client',
  'POST /v1/client/room/mute': 'client',
  'POST /v1/client/room/unmute': 'client',
  'POST /v1/client/room/pin': 'client',
  'POST /v1/client/room/unpin': 'client',
  'POST /v1/client/room/mark_as_unread': 'client',
  'POST /v1/client/room/clear_chat': 'client',
  'POST /v1/client/room/groups_in_common': 'client',
  'POST /v1/chat/message/star': 'client',
  'POST /v1/chat/message/unstar': 'client',
  'POST /v1/chat/message/get_starred_list': 'client',
  'POST /v1/chat/message/get_starred_ids': 'client',
  'POST /v1/chat/message/pin': 'client',
  'POST /v1/chat/message/unpin': 'client',
  'POST /v1/chat/message/get_pinned_list': 'client',
  'POST /v1/chat/message/get_pinned_ids': 'client',
  'POST /v1/chat/message/get_details': 'client',
  'POST /v1/chat/message/get_total_read': 'client',
  'POST /v1/chat/room/get_shared_content': 'client',
  'POST /v1/client/room/create': 'client',
  'POST /v1/client/room/get': 'client',
  'POST /v1/client/room/get_by_xc_room_id': 'client',
  'POST /v1/client/room/update': 'client',
  'POST /v1/client/room/delete': 'client',
  'POST /v1/client/room/leave': 'client',
  'POST /v1/client/room/participants/add': 'client',
  'POST /v1/client/room/participants/remove': 'client',
  'POST /v1/client/room/admins/promote': 'client',
  'POST /v1/client/room/admins/demote': 'client',
  'POST /v1/client/room/get_pinned_room_ids': 'client',
  'POST /v1/client/room/get_muted_room_ids': 'client',
  'POST /v1/client/room/get_unread_room_ids': 'client',
  'POST /v1/client/contact/list': 'client',
  'POST /v1/client/contact/add': 'client',
  'POST /v1/client/contact/remove': 'client',
  'POST /v1/client/contact/block': 'client',
  'POST /v1/client/contact/unblock': 'client',
  'POST /v1/client/contact/get_blocked_list': 'client',
  'POST /v1/client/contact/get_blocked_user_ids': 'client',
  'POST /v1/client/chat_report/submit_user': 'client',
  'POST /v1/client/chat_report/submit_message': 'client',
  'POST /v1/client/contact/add_by_phones': 'client',
  'POST /v1/client/user/update_bio': 'client',
  'POST /v1/client/user/get_all_by_ids': 'client',
  'POST /v1/client/user/exists/username': 'client',
  'POST /v1/client/push_notification/update': 'client',
  'POST /v1/chat/file/upload': 'client',
  'POST /v1/chat/file/download': 'client',
  'POST /v1/client/user/photo/upload': 'client',
  'POST /v1/client/user/photo/get_list': 'client',
  'POST /v1/client/user/photo/set_main': 'client',
  'POST /v1/client/user/photo/delete': 'client',
  'POST /v1/client/room/photo/upload': 'client',
  'GET /v1/public/:projectId/chat/file/:kind/:fileId': 'link',
  'POST /api/visitor/v1/auth/access_token/request': 'visitor-ticket',
  'POST /api/visitor/v1/auth/access_token/refresh': 'visitor-refresh',
  'POST /api/visitor/v1/client/logout': 'visitor',
  'POST /api/visitor/v1/logout': 'visitor',
  'POST /api/visitor/v1/client/user/get': 'visitor',
  'POST /api/visitor/v1/client/project/get_configs': 'visitor-key-only',
  'POST /api/visitor/v1/client/topic/get_list': 'visitor-key-only',
  'POST /api/visitor/v1/client/scf/get_path': 'visitor-key-only',
  'POST /api/visitor/v1/client/server_time': 'visitor-key-only',
  'POST /api/visitor/v1/client/user/create': 'visitor-key-only',
  'POST /api/visitor/v1/client/taptalk/request_auth_ticket': 'visitor',
  'POST /api/visitor/v1/client/case/create': 'visitor',
  'POST /api/visitor/v1/client/case/get_list': 'visitor',
  'POST /api/visitor/v1/client/case/get_by_id': 'visitor',
  'POST /api/visitor/v1/client/case/close': 'visitor',
  'POST /api/visitor/v1/client/case/rate': 'visitor',
  'POST /api/visitor/v1/client/case/send_message': 'visitor',
  'POST /inbox/api/login': 'inbox-signin',
  'POST /inbox/api/logout': 'inbox',
  'GET /inbox/api/me': 'inbox-optional',
  'GET /inbox/api/cases': 'inbox-read',
  'POST /inbox/api/case/get': 'inbox',
  'POST /inbox/api/case/take': 'inbox',
  'POST /inbox/api/case/hand_over': 'inbox',
  'POST /inbox/api/case/reply': 'inbox',
  'POST /inbox/api/case/remark': 'inbox',
  'POST /inbox/api/case/junk': 'inbox',
  'POST /inbox/api/case/close': 'inbox',
  'POST /inbox/api/chat_ticket': 'inbox',
};

interface Answer {
  http: number;
  body: { status?: number; error?: { code?: string; message?: string } };
}
type Transport = (headers: Headers) => Promise<Answer | 'open'>;

/** The headers sent (an array value is sent once per value). */
const present = (headers: Headers) => Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string | string[]>;
const strings = (headers: Headers) => Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => typeof e[1] === 'string'));

function parse(http: number, text: string): Answer {
  try {
    return { http, body: JSON.parse(text) };
  } catch {
    return { http, body: {} };
  }
}

/** Sends each case through `transport` (the clock moved as the case says); lists every answer not the promised one. */
async function refusals(label: string, cases: Case[], transport: Transport, clock: { advance(ms: number): void }, httpStatus: boolean): Promise<string[]> {
  const failures: string[] = [];
  for (const k of cases) {
    const status = Number(k.code.slice(0, 3));
    const http = httpStatus ? status : 200;
    clock.advance(k.later ?? 0);
    let answer: Answer | 'open';
    try {
      answer = await transport(k.headers);
    } finally {
      clock.advance(-(k.later ?? 0));
    }
    const got = answer === 'open' ? 'upgraded' : `HTTP ${answer.http} ${answer.body.status}/${answer.body.error?.code}`;
    if (got !== `HTTP ${http} ${status}/${k.code}`) {
      const message = answer === 'open' ? '' : ` "${answer.body.error?.message}"`;
      failures.push(`${label} [${k.category}: ${k.what}] got ${got}${message}, want HTTP ${http} ${status}/${k.code}`);
    }
  }
  return failures;
}

await eachDialect(describe, 'security suite', (dialect) => {
  let t: TestApp;
  let cr: Credentials;
  let base: string;
  let assets: string;
  const cases = (realm: Realm) => casesFor(realm, cr, t.deps.ttl);
  const routesOf = (pick: (realm: Realm) => boolean) => Object.entries(TABLE).filter(([, realm]) => pick(realm));

  before(async () => {
    // The demo's page files (built at install time, maybe not here): stand-ins, so its routes answer 200.
    assets = mkdtempSync(join(tmpdir(), 'parley-sec-'));
    writeFileSync(join(assets, 'index.html'), '<script>const config = "__PARLEY_DEMO_CONFIG__";</script>');
    for (const name of ['sdk.js', 'page.js', 'livechat.js']) writeFileSync(join(assets, name), '// stand-in');
    t = await createTestApp(dialect, { PARLEY_DEMO: 'true' }, undefined, { demoAssets: assets, inboxAssets: assets });
    await createProject(t.deps, { name: 'default', tier: 'free' });
    cr = await makeCredentials(t);
    base = await listen(t);
  });
  after(async () => {
    await t.close();
    rmSync(assets, { recursive: true, force: true });
  });

  /** One REST call through app.inject(); POSTs carry `payload` (by default not even JSON). */
  const inject =
    (route: string, payload = '{'): Transport =>
    async (headers) => {
      const [method, url] = route.split(' ') as ['GET' | 'POST', string];
      const post = method === 'POST' ? { 'content-type': 'application/json' } : {};
      const res = await t.app.inject({ method, url, headers: { ...post, ...present(headers) }, payload: method === 'POST' ? payload : undefined });
      return parse(res.statusCode, res.body);
    };

  /** The socket upgrade as the web SDK makes it: App-Key and Authorization in the query, the rest as headers. */
  const upgrade: Transport = async (headers) => {
    const { 'app-key': appKey, authorization, ...rest } = headers;
    const query = new URLSearchParams(strings({ app_key: appKey, authorization }));
    // A repeated App-Key goes as headers (a query parameter has one value).
    const sent = present({ ...rest, 'app-key': Array.isArray(appKey) ? appKey : undefined });
    try {
      // ws hands its headers to http.request, which sends an array value as repeated lines.
      const socket = await ChatSocket.open(`${base.replace(/^http/, 'ws')}/connect?${query}`, sent as Record<string, string>);
      await socket.close();
      return 'open';
    } catch (err) {
      const { statusCode, body } = err as { statusCode?: number; body?: string };
      if (statusCode === undefined) throw err;
      return parse(statusCode, body ?? '');
    }
  };

  /** `GET /connect?check=1` over real HTTP, which http/fast-path.ts answers before routing when it can. */
  const connectCheck: Transport = async (headers) => {
    const lines = Object.entries(present(headers)).flatMap(([name, v]) => [v].flat().map((value): [string, string] => [name, value]));
    const res = await fetch(`${base}/connect?check=1`, { headers: lines });
    return parse(res.status, await res.text());
  };

  it('the table holds every route the server serves (and the socket), and only those', () => {
    const served = listRoutes(t.app).map((r) => `${r.method} ${r.url}`);
    if (t.app.server.listenerCount('upgrade') > 0) served.push('WS /connect');
    assert.deepEqual(
      served.filter((r) => !(r in TABLE)),
      [],
      'served, but missing from the security table',
    );
    assert.deepEqual(
      Object.keys(TABLE).filter((r) => !served.includes(r)),
      [],
      'in the security table, but not served',
    );
  });

  it('public routes answer without credentials, and ignore any sent', async () => {
    for (const [route] of routesOf((realm) => realm === 'public')) {
      for (const headers of [{}, JUNK]) {
        const res = await inject(route, JSON.stringify({ name: 'Mallory' }))(headers);
        // HTTP 200 alone proves nothing (client routes refuse with it): a JSON answer must be a success too.
        const envelope = res === 'open' ? 0 : (res.body.status ?? 200);
        assert.deepEqual([res === 'open' ? 0 : res.http, envelope], [200, 200], `${route} with ${Object.keys(headers).length} credential headers`);
      }
    }
  });

  it('every route and the socket refuse each bad credential with the documented code, before reading the body', async (ctx) => {
    const failures: string[] = [];
    let count = 0;
    for (const [route, realm] of routesOf((realm) => realm !== 'public')) {
      const socket = route.startsWith('WS ');
      count += cases(realm).length;
      // Server-to-server realms and the socket use HTTP statuses; the client APIs answer HTTP 200.
      failures.push(
        ...(await refusals(
          route,
          cases(realm),
          socket ? upgrade : inject(route),
          t.clock,
          socket || realm === 'server' || realm === 'api' || realm.startsWith('inbox'),
        )),
      );
    }
    ctx.diagnostic(`${count} refusals checked`);
    assert.deepEqual(failures, []);
  });

  it('GET /connect?check=1 over HTTP refuses the same, also when its fast path has the credential cached', async () => {
    const fastCount = async () => (await t.deps.metrics.fastPath.get()).values[0]?.value ?? 0;
    const fast = await fastCount();
    // A valid check, twice: the first fills the caches, the second is answered by the fast path
    // (sessions are cached only on SQLite without Redis: src/security/auth-cache.ts).
    const live = { 'app-key': cr.a.app, authorization: `Bearer ${cr.pt.accessToken}` };
    for (let i = 0; i < 2; i++)
      assert.deepEqual(await connectCheck(live), { http: 200, body: { status: 200, error: { code: '', message: '', field: '' }, data: {} } });
    if (dialect === 'sqlite') assert.equal(await fastCount(), fast + 1, 'the fast path answered the cached check');
    assert.deepEqual(await refusals('GET /connect?check=1', cases('client'), connectCheck, t.clock, false), []);
  });

  it('every route lets its own realm’s valid credential through (so the table names the right realm)', async () => {
    for (const [route, realm] of routesOf((realm) => realm !== 'public')) {
      const headers = await goodHeaders(realm, cr);
      if (route.startsWith('WS ')) {
        assert.equal(await upgrade(headers), 'open', route);
        continue;
      }
      const res = await inject(route)(headers);
      const code = res === 'open' ? '' : (res.body.error?.code ?? '');
      assert.ok(res !== 'open' && !REFUSALS.has(code) && res.http !== 500, `${route}: ${JSON.stringify(res)}`);
    }
  });

  it('the refused attempts used up nothing: the tickets and refresh tokens they presented still work', async () => {
    const works = async (route: string, key: Headers, bearer: string) => {
      const res = await inject(route, '""')({ ...key, authorization: `Bearer ${bearer}` });
      assert.ok(res !== 'open' && res.body.status === 200, `${route}: ${JSON.stringify(res)}`);
    };
    const [pt, lc] = [{ 'app-key': cr.a.app }, { 'secret-key': cr.a.appSecret }];
    const [ptB, lcB] = [{ 'app-key': cr.b.app }, { 'secret-key': cr.b.appSecret }];
    await works('GET /connect', pt, cr.pt.accessToken);
    await works('POST /api/visitor/v1/client/user/get', lc, cr.lc.accessToken);
    for (const [key, ticket] of [
      [pt, cr.tickets.pt],
      [ptB, cr.tickets.ptB],
    ] as const)
      await works('POST /v1/auth/access_token/request', key, ticket);
    for (const [key, ticket] of [
      [lc, cr.tickets.lc],
      [lcB, cr.tickets.lcB],
    ] as const)
      await works('POST /api/visitor/v1/auth/access_token/request', key, ticket);
    for (const [key, s] of [
      [pt, cr.pt],
      [ptB, cr.ptB],
    ] as const)
      await works('POST /v1/auth/access_token/refresh', key, s.refreshToken);
    for (const [key, s] of [
      [lc, cr.lc],
      [lcB, cr.lcB],
    ] as const)
      await works('POST /api/visitor/v1/auth/access_token/refresh', key, s.refreshToken);
  });
});
