// End-to-end proof that TapTalk's official, unmodified web SDK (`@taptalk.io/web-sdk`) runs its
// whole authentication lifecycle against Parley (spec §2–§3): init → project configs, auth ticket
// → access token (+ the /connect?check=1 token check), a forced access-token expiry that the SDK
// heals by itself (40104 → refresh → transparent retry), and logout revoking the session on the
// server. The SDK runs in headless chromium on its own origin, so CORS is exercised for real;
// Parley listens on a real port on each database.
//
// How the traffic is observed: an `onSend` hook on the app records every request with its
// Authorization header and the envelope Parley answered. (An `onRequest` hook added after
// `buildServer` is appended after the client realm's own authentication hook, so it never sees the
// requests that realm rejects — exactly the 40104 answers this test needs; `onSend` sees them all.)
// The SDK's own storage is encrypted, so token changes are checked through what it sends.
import { strict as assert } from 'node:assert';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Envelope, type TestApp, createTestApp } from './support/app.ts';
import { eachDialect } from './support/databases.ts';
import {
  type SdkGlobal,
  type SdkPage,
  type SdkPageServer,
  browserAvailable,
  sharedHarness,
  newUserPage,
  sdkInit,
  waitForProjectConfigs,
} from './support/sdk-browser.ts';

/** A valid `POST /v1/server/auth_ticket/request` body (the seed's example, our own user). */
const TICKET_REQUEST = {
  userIPAddress: '182.253.177.234',
  userAgent: 'Parley e2e',
  userPlatform: 'web',
  userDeviceID: 'e2e-device',
  xcUserID: 'alice',
  fullName: 'Alice Liddell',
  email: 'alice@example.com',
  phone: '08991234567',
  username: 'alice',
  photoThumbnailURL: 'http://www.example.com/photo/thumb/alice.jpg',
  photoFullsizeURL: 'http://www.example.com/photo/full/alice.jpg',
  userRoleCode: 'user',
};

/** The access-token bundle of §3.2 / §3.4. */
interface TokenBundle {
  accessToken: string;
  accessTokenExpiry: number;
  refreshToken: string;
  refreshTokenExpiry: number;
  user: Record<string, unknown>;
}

/** One request Parley answered, as seen by the `onSend` hook. */
interface Seen {
  method: string;
  url: string;
  origin: string | undefined;
  authorization: string | undefined;
  allowOrigin: unknown;
  envelope: Envelope | undefined;
}

/**
 * Calls `seen` with each request, the headers and the body of its answer once sent: headers set one by
 * one and those given to writeHead (as an object or as the flat list the fast paths use).
 */
function observeAnswers(server: Server, seen: (request: IncomingMessage, headers: Record<string, unknown>, body: string) => void): void {
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    const given: Record<string, unknown> = {};
    const { write, end, writeHead } = response;
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    response.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      keep(chunk);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof write;
    response.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      keep(chunk);
      return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as typeof end;
    response.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
      const headers = rest.find((r) => typeof r === 'object' && r !== null);
      if (Array.isArray(headers)) for (let i = 0; i + 1 < headers.length; i += 2) given[String(headers[i]).toLowerCase()] = headers[i + 1];
      else if (headers !== undefined) for (const [k, v] of Object.entries(headers)) given[k.toLowerCase()] = v;
      return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
    } as typeof writeHead;
    response.once('finish', () => seen(request, { ...given, ...response.getHeaders() }, Buffer.concat(chunks).toString('utf8')));
  });
}

/** What the in-page callbacks recorded (see `installRecorders`). */
interface PageRecord {
  auth: Array<{ kind: 'success' | 'error'; args: unknown[] }>;
  refreshUser: Array<{ kind: 'success' | 'error'; args: unknown[] }>;
  logout: Array<{ kind: 'success' | 'error'; args: unknown[] }>;
  expired: number;
}
type PageGlobal = SdkGlobal & { __e2e: PageRecord };

const ACCESS_TOKEN_LIFETIME_MS = 3600 * 1000;
const PATHS = {
  configs: '/v1/client/project_configs',
  request: '/v1/auth/access_token/request',
  refresh: '/v1/auth/access_token/refresh',
  check: '/connect?check=1',
  getById: '/v1/client/user/get_by_id',
  logout: '/v1/client/logout',
} as const;

const bearerOf = (authorization: string | undefined): string => {
  const match = /^Bearer (\S+)$/.exec(authorization ?? '');
  assert.ok(match, `expected a Bearer Authorization header, got ${JSON.stringify(authorization)}`);
  return match[1] as string;
};

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A plain HTTP call to Parley (global fetch, no browser): HTTP status and parsed envelope. */
async function call(baseUrl: string, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { http: res.status, body: (await res.json()) as Envelope };
}

// One browser and one SDK page server for the whole file, shared by both databases' suites.
const hasBrowser = browserAvailable();
const harness = sharedHarness();

await eachDialect(
  (name, options, fn) => describe(name, { skip: hasBrowser ? options.skip : 'chromium missing' }, fn),
  'web SDK authentication end to end',
  (dialect) => {
    let t: TestApp;
    let baseUrl: string;
    let sdkPage: SdkPageServer;
    let page: SdkPage;
    const seen: Seen[] = [];
    let ticket: { userID: string; ticket: string };

    /** Requests the SDK made (cross-origin, so they carry the page's Origin), preflights excluded. */
    const sdkCalls = () => seen.filter((s) => s.origin === sdkPage.origin && s.method !== 'OPTIONS');
    const sdkCallLines = () => sdkCalls().map((s) => `${s.method} ${s.url} → ${s.envelope?.status}/${s.envelope?.error.code ?? '?'}`);
    const pageRecord = () => page.evaluate(() => (globalThis as PageGlobal).__e2e);
    const assertNoPageErrors = () => assert.deepEqual(page.errors, [], `no console errors or page errors; console:\n${page.consoleLog.join('\n')}`);

    before(async () => {
      t = await createTestApp(dialect);
      // Every answer, also those given before routing (http/fast-path.ts), which Fastify's hooks never see.
      observeAnswers(t.app.server, (request, headers, body) => {
        let envelope: Envelope | undefined;
        try {
          envelope = JSON.parse(body) as Envelope;
        } catch {
          envelope = undefined;
        }
        const header = (name: string) => {
          const v = request.headers[name];
          return typeof v === 'string' ? v : undefined;
        };
        seen.push({
          method: request.method ?? '',
          url: request.url ?? '',
          origin: header('origin'),
          authorization: header('authorization'),
          allowOrigin: headers['access-control-allow-origin'],
          envelope,
        });
      });
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      const h = await harness();
      sdkPage = h.sdkPage;
      assert.notEqual(sdkPage.origin, baseUrl, 'the SDK page and the API must be different origins');
      page = await newUserPage(h.browser, sdkPage.url);
    });

    after(async () => {
      await page?.context().close();
      await t?.close();
    });

    it('authenticates with an auth ticket: onSuccess twice (token request, then /connect?check=1)', async () => {
      const issued = await call(baseUrl, 'POST', '/v1/server/auth_ticket/request', { 'server-key': t.project.serverKey.header }, TICKET_REQUEST);
      assert.equal(issued.http, 200);
      assert.equal(issued.body.status, 200, JSON.stringify(issued.body));
      ticket = issued.body.data as { userID: string; ticket: string };
      assert.match(ticket.userID, /^[1-9][0-9]*$/);

      await sdkInit(page, t.project.appKey.id, t.project.appKey.secret, baseUrl);
      const configs = (await waitForProjectConfigs(page)) as { core: Record<string, string> };
      assert.equal(configs.core.chatMediaMaxFileSize, '26214400');

      await page.evaluate((authTicket) => {
        const g = globalThis as PageGlobal;
        const record: PageRecord = { auth: [], refreshUser: [], logout: [], expired: 0 };
        g.__e2e = record;
        const taptalk = g.TapTalkSDK.taptalk;
        taptalk.addTapListener({
          onTapTalkRefreshTokenExpired: () => {
            record.expired += 1;
          },
        });
        taptalk.authenticateWithAuthTicket(authTicket, true, {
          onSuccess: (...args: unknown[]) => record.auth.push({ kind: 'success', args }),
          onError: (...args: unknown[]) => record.auth.push({ kind: 'error', args }),
        });
      }, ticket.ticket);
      await page.waitForFunction(() => (globalThis as PageGlobal).__e2e.auth.length >= 2, undefined, { timeout: 10_000, polling: 50 });

      const record = await pageRecord();
      assert.deepEqual(
        record.auth,
        [
          { kind: 'success', args: ['Request access token success'] },
          { kind: 'success', args: [] },
        ],
        'onSuccess after the token request, and again after the token check',
      );

      const active = await page.evaluate(() => {
        const taptalk = (globalThis as PageGlobal).TapTalkSDK.taptalk;
        return { user: taptalk.getTaptalkActiveUser(), authenticated: taptalk.isAuthenticated() };
      });
      assert.equal(active.authenticated, true);
      assert.equal(active.user.userID, ticket.userID);
      assert.equal(active.user.xcUserID, 'alice');
      assert.equal(active.user.fullname, TICKET_REQUEST.fullName);

      // The wire: three calls, in order, all successful, each preflighted and CORS-allowed.
      assert.deepEqual(sdkCallLines(), [`POST ${PATHS.configs} → 200/`, `POST ${PATHS.request} → 200/`, `GET ${PATHS.check} → 200/`]);
      const calls = sdkCalls();
      const [configsCall, requestCall, checkCall] = calls as [Seen, Seen, Seen];
      assert.equal(configsCall.authorization, '', 'project_configs carries an empty Authorization');
      assert.equal(bearerOf(requestCall.authorization), ticket.ticket, 'the ticket is redeemed as Bearer');
      const bundle = requestCall.envelope?.data as unknown as TokenBundle;
      assert.equal(bearerOf(checkCall.authorization), bundle.accessToken, 'the token check uses the new access token');
      const preflights = seen.filter((s) => s.method === 'OPTIONS' && s.origin === sdkPage.origin);
      assert.deepEqual(
        preflights.map((s) => s.url),
        calls.map((s) => s.url),
        'every SDK call was preceded by a CORS preflight',
      );
      for (const s of [...calls, ...preflights]) assert.equal(s.allowOrigin, '*', `${s.method} ${s.url} allows the page origin`);
      assert.equal(record.expired, 0);
      assertNoPageErrors();
    });

    it('refuses the redeemed ticket on replay: HTTP 200, envelope 401 / 40103', async () => {
      // Before the clock moves: the ticket lives one hour, and an expired ticket answers 40104 instead.
      const replay = await call(baseUrl, 'POST', PATHS.request, {
        'app-key': t.project.appKey.header,
        authorization: `Bearer ${ticket.ticket}`,
      });
      assert.equal(replay.http, 200);
      assert.equal(replay.body.status, 401);
      assert.equal(replay.body.error.code, '40103');
    });

    it('heals a forced access-token expiry: 40104 → refresh → retry with the new token, no expiry event', async () => {
      const start = sdkCalls().length;
      const bundle = sdkCalls().find((s) => s.url === PATHS.request)?.envelope?.data as unknown as TokenBundle;
      t.clock.advance(ACCESS_TOKEN_LIFETIME_MS + 1000);

      await page.evaluate(() => {
        const g = globalThis as PageGlobal;
        g.TapTalkSDK.taptalk.refreshActiveUser({
          onSuccess: (...args: unknown[]) => g.__e2e.refreshUser.push({ kind: 'success', args }),
          onError: (...args: unknown[]) => g.__e2e.refreshUser.push({ kind: 'error', args }),
        });
      });
      await page.waitForFunction(() => (globalThis as PageGlobal).__e2e.refreshUser.length >= 1, undefined, { timeout: 10_000, polling: 50 });

      const record = await pageRecord();
      assert.deepEqual(record.refreshUser, [{ kind: 'success', args: ['Successfully loaded latest user data'] }]);
      assert.equal(record.expired, 0, 'onTapTalkRefreshTokenExpired did not fire');

      assert.deepEqual(sdkCallLines().slice(start), [`POST ${PATHS.getById} → 401/40104`, `POST ${PATHS.refresh} → 200/`, `POST ${PATHS.getById} → 200/`]);
      const [expiredCall, refreshCall, retryCall] = sdkCalls().slice(start) as [Seen, Seen, Seen];
      assert.equal(bearerOf(expiredCall.authorization), bundle.accessToken, 'first attempt with the expired token');
      assert.equal(bearerOf(refreshCall.authorization), bundle.refreshToken, 'refresh with the issued refresh token');
      const refreshed = refreshCall.envelope?.data as unknown as TokenBundle;
      assert.notEqual(refreshed.accessToken, bundle.accessToken);
      assert.notEqual(refreshed.refreshToken, bundle.refreshToken, 'the refresh token is rotated');
      assert.equal(refreshed.user.userID, ticket.userID, 'the refresh bundle carries the user (§2.3)');
      assert.equal(bearerOf(retryCall.authorization), refreshed.accessToken, 'the SDK stored and used the new access token');
      assert.equal((retryCall.envelope?.data as { user: { userID: string } } | undefined)?.user.userID, ticket.userID);

      const active = await page.evaluate(() => {
        const taptalk = (globalThis as PageGlobal).TapTalkSDK.taptalk;
        return { user: taptalk.getTaptalkActiveUser(), authenticated: taptalk.isAuthenticated() };
      });
      assert.equal(active.authenticated, true);
      assert.equal(active.user.userID, ticket.userID);
      assert.equal(active.user.xcUserID, 'alice');
      assertNoPageErrors();
    });

    it('logs out: the SDK forgets the session and Parley revokes its tokens', async () => {
      const calls = sdkCalls();
      const lastAccess = bearerOf(calls.filter((s) => s.url === PATHS.getById).at(-1)?.authorization);
      const newestRefresh = (calls.filter((s) => s.url === PATHS.refresh).at(-1)?.envelope?.data as unknown as TokenBundle | undefined)?.refreshToken;
      const start = calls.length;

      await page.evaluate(() => {
        const g = globalThis as PageGlobal;
        g.TapTalkSDK.taptalk.logoutAndClearAllTapTalkData({
          onSuccess: (...args: unknown[]) => g.__e2e.logout.push({ kind: 'success', args }),
          onError: (...args: unknown[]) => g.__e2e.logout.push({ kind: 'error', args }),
        });
      });
      await waitUntil('Parley answered POST /v1/client/logout', () => sdkCalls().some((s) => s.url === PATHS.logout));

      const record = await pageRecord();
      assert.deepEqual(record.logout, [{ kind: 'success', args: ['Logged out successfully'] }]);
      assert.equal(await page.evaluate(() => (globalThis as PageGlobal).TapTalkSDK.taptalk.isAuthenticated()), false);
      assert.deepEqual(sdkCallLines().slice(start), [`POST ${PATHS.logout} → 200/`]);
      const logoutCall = sdkCalls().at(-1) as Seen;
      assert.equal(bearerOf(logoutCall.authorization), lastAccess, 'logout with the current access token');

      const appKey = { 'app-key': t.project.appKey.header };
      const check = await call(baseUrl, 'GET', PATHS.check, { ...appKey, authorization: `Bearer ${lastAccess}` });
      assert.equal(check.http, 200);
      assert.deepEqual([check.body.status, check.body.error.code], [401, '40104'], 'the old access token is dead');

      // The newest refresh token was never used, so only the logout can make it fail.
      const refresh = await call(baseUrl, 'POST', PATHS.refresh, { ...appKey, authorization: `Bearer ${newestRefresh}` }, '');
      assert.equal(refresh.http, 200);
      assert.equal(refresh.body.status, 401);
      assert.notEqual(refresh.body.error.code, '');
      assert.match(refresh.body.error.message, /revoked/i);
      assertNoPageErrors();
    });
  },
);
