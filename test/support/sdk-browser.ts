// Browser harness for end-to-end tests against TapTalk's official, unmodified web SDK
// (npm `@taptalk.io/web-sdk`, MIT). The SDK is CommonJS that only runs in a real browser
// (spec §9), so it is bundled into an IIFE with esbuild, served from a throw-away static page,
// and driven in Debian's headless chromium through playwright-core (which downloads no browser).
//
// Typical use:
//   const hasBrowser = browserAvailable();               // top level: throws under CI if missing
//   const harness = sharedHarness();                     // top level: one browser for the file
//   describe('...', { skip: !hasBrowser }, () => {
//     it: const { browser, sdkPage } = await harness();
//         const page = await newUserPage(browser, sdkPage.url);   // one per simulated user
//         await installSdkRecorder(page);                          // and any listeners of the suite's own
//         await signInThroughSdk(page, { appKeyID, appKeySecret, base, ticket });
//         ... runInPage / untilRecorded ...; assert.deepEqual(page.errors, []);
//   });
//
// Code passed to `page.evaluate` runs in the page, not in Node: it must be self-contained and
// reaches the SDK through `globalThis.TapTalkSDK` (typed loosely; no DOM lib in tsconfig).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { build, formatMessages } from 'esbuild';
import { type Browser, type BrowserContextOptions, type Page, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Availability

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Whether chromium is installed. Under CI a missing browser is an error (throws), so browser
 * tests can never be skipped silently there; elsewhere it warns loudly and returns false so the
 * caller can skip.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message = `${CHROMIUM_PATH} not found: the TapTalk web SDK browser tests need Debian's chromium (apt-get install -y chromium).`;
  if (isCi()) throw new Error(`${message} CI is set, so this is a failure, not a skip.`);
  console.warn(`\n!!!!!!!!!!\n!!! SKIPPING BROWSER TESTS: ${message}\n!!!!!!!!!!\n`);
  return false;
}

// ---------------------------------------------------------------------------------------------
// SDK bundle

let bundlePromise: Promise<string> | undefined;

/** The SDK as one browser IIFE that sets `window.TapTalkSDK`; built once per process. */
export function bundleSdk(): Promise<string> {
  bundlePromise ??= buildSdkBundle().catch((error: unknown) => {
    bundlePromise = undefined; // let a later call retry instead of caching the failure
    throw error;
  });
  return bundlePromise;
}

async function buildSdkBundle(): Promise<string> {
  const result = await build({
    stdin: {
      contents: "window.TapTalkSDK = require('@taptalk.io/web-sdk');",
      resolveDir: REPO_ROOT,
      sourcefile: 'sdk-entry.js',
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent', // reported below instead, and treated as failures
  });
  const problems = [...(await formatMessages(result.errors, { kind: 'error' })), ...(await formatMessages(result.warnings, { kind: 'warning' }))];
  if (problems.length > 0) {
    throw new Error(`esbuild reported problems bundling @taptalk.io/web-sdk:\n${problems.join('\n')}`);
  }
  const output = result.outputFiles?.[0];
  if (result.outputFiles?.length !== 1 || output === undefined) {
    throw new Error(`esbuild produced ${result.outputFiles?.length ?? 0} output files, expected 1`);
  }
  return output.text;
}

// ---------------------------------------------------------------------------------------------
// Static page server

const PAGE_HTML = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>Parley web SDK harness</title></head>
<body><script src="/sdk.js"></script></body>
</html>
`;

export interface SdkPageServer {
  /** `http://127.0.0.1:<port>/` — a page that loads the bundle and exposes `window.TapTalkSDK`. */
  url: string;
  /** `http://127.0.0.1:<port>` — the page origin (the API must live on another origin/port). */
  origin: string;
  close(): Promise<void>;
}

/** Serves the harness page and the SDK bundle on 127.0.0.1 at a random port. */
export async function startSdkPage(): Promise<SdkPageServer> {
  const bundle = await bundleSdk();
  const send = (res: ServerResponse, status: number, type: string | null, body = ''): void => {
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (type !== null) headers['content-type'] = type;
    res.writeHead(status, headers).end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
    if (path === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
    if (path === '/sdk.js') return send(res, 200, 'text/javascript; charset=utf-8', bundle);
    if (path === '/favicon.ico') return send(res, 204, null);
    return send(res, 404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/`,
    origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Browser and per-user pages

/**
 * One browser and one SDK page server for a whole test file, started on first use and closed after
 * the file's tests. Call at the top level of the file; `await harness()` where they are needed.
 * Declare the file's suites with no await between them: node:test runs this root `after` once the
 * suites declared so far are done, and a suite declared later would start a browser nothing closes.
 */
export function sharedHarness(): () => Promise<{ browser: Browser; sdkPage: SdkPageServer }> {
  let shared: Promise<{ browser: Browser; sdkPage: SdkPageServer }> | undefined;
  after(async () => {
    if (shared === undefined) return;
    const { browser, sdkPage } = await shared;
    await browser.close();
    await sdkPage.close();
  });
  return () => {
    shared ??= Promise.all([launchBrowser(), startSdkPage()]).then(([browser, sdkPage]) => ({ browser, sdkPage }));
    return shared;
  };
}

/** Launches Debian's chromium headless. Close it with `browser.close()`. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} not found (apt-get install -y chromium)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}

export interface PageProblem {
  kind: 'console.error' | 'pageerror';
  text: string;
}

/** A Playwright page for one simulated user, with what went wrong in it so far. */
export type SdkPage = Page & {
  /** Console errors and uncaught page errors, in order. Tests usually assert it is empty. */
  errors: PageProblem[];
  /** Every console message (`type: text`), for diagnostics. */
  consoleLog: string[];
};

/**
 * Opens `pageUrl` in a fresh, isolated browser context (own localStorage/IndexedDB: the SDK is a
 * singleton whose session lives there, so each simulated user needs one) and waits until the
 * SDK is loaded. `contextOptions` go to the context (e.g. `ignoreHTTPSErrors` for a self-signed certificate). Close it with `page.context().close()` (or close the browser).
 */
/**
 * tsx compiles test files with esbuild's keepNames, which wraps named functions in `__name(fn, "name")`;
 * code handed to page.evaluate then calls a helper the page lacks. A string, so it is not compiled itself.
 */
const NAME_SHIM = "globalThis.__name ??= (fn, name) => Object.defineProperty(fn, 'name', { value: name, configurable: true });";

export async function newUserPage(browser: Browser, pageUrl: string, contextOptions: BrowserContextOptions = {}): Promise<SdkPage> {
  const context = await browser.newContext(contextOptions);
  await context.addInitScript(NAME_SHIM);
  const page = Object.assign(await context.newPage(), {
    errors: [] as PageProblem[],
    consoleLog: [] as string[],
  });
  page.on('console', (message) => {
    page.consoleLog.push(`${message.type()}: ${message.text()}`);
    if (message.type() === 'error') page.errors.push({ kind: 'console.error', text: message.text() });
  });
  page.on('pageerror', (error) => {
    page.errors.push({ kind: 'pageerror', text: error.stack ?? error.message });
  });
  try {
    await page.goto(pageUrl, { waitUntil: 'load' });
    // The bundle is a synchronous <script>, so after `load` the SDK is there or it failed.
    const loaded = await page.evaluate(() => typeof (globalThis as SdkGlobal).TapTalkSDK?.taptalk === 'object');
    if (!loaded) throw new Error('window.TapTalkSDK.taptalk is not defined after the page loaded');
  } catch (error) {
    await context.close().catch(() => {});
    const details = page.errors.map((p) => `  ${p.kind}: ${p.text}`).join('\n');
    throw new Error(`the TapTalk SDK did not load in ${pageUrl}${details ? `:\n${details}` : ''}`, { cause: error });
  }
  return page;
}

// ---------------------------------------------------------------------------------------------
// In-page helpers (each wraps one page.evaluate; the callbacks run in the browser)

/** Loose view of the page global; the SDK has no usable type declarations. */
export type SdkGlobal = typeof globalThis & { TapTalkSDK?: any };

/**
 * `TapTalkSDK.taptalk.init(appKeyID, appKeySecret, baseUrl, withoutRoomList)`. It returns at once;
 * the SDK then posts `/v1/client/project_configs` in the background (no callback) — use
 * `waitForProjectConfigs` to wait for it.
 */
export async function sdkInit(page: Page, appKeyID: string, appKeySecret: string, baseUrl: string, withoutRoomList = false): Promise<void> {
  await page.evaluate(
    ([id, secret, base, without]) => {
      (globalThis as SdkGlobal).TapTalkSDK.taptalk.init(id, secret, base, without);
    },
    [appKeyID, appKeySecret, baseUrl, withoutRoomList] as const,
  );
}

/** Waits until the SDK stored a project-configs response and returns it. */
export async function waitForProjectConfigs(page: Page, timeoutMs = 10_000): Promise<unknown> {
  const handle = await page.waitForFunction(() => (globalThis as SdkGlobal).TapTalkSDK.taptalk.getProjectConfigs() ?? false, undefined, { timeout: timeoutMs });
  const configs: unknown = await handle.jsonValue();
  await handle.dispose();
  return configs;
}

// ---------------------------------------------------------------------------------------------
// Recording what the SDK reports, for tests that assert through the SDK's own listeners and
// callbacks: `installSdkRecorder` registers listeners that copy every event into the page, and
// `runInPage` hands SDK calls a callback object that records its calls under a label.

/** One call of a recording callback (deep-copied arguments). */
export interface CallbackReport {
  kind: 'success' | 'error' | 'close';
  args: any[];
}

/** What the SDK told the page's listeners and callbacks so far, in order. */
export interface SdkRecord<M = any> {
  newMessages: M[];
  updates: M[];
  startTyping: Array<{ roomID: string; user: any }>;
  stopTyping: Array<{ roomID: string; user: any }>;
  onlineStatus: Array<{ user: any; isOnline: boolean; lastActive: number }>;
  /** Calls of the callbacks handed out under each label by `runInPage`. */
  results: Record<string, CallbackReport[]>;
}

/** The callback object SDK calls take (`{onSuccess, onError}`, and `onClose` for `connect`). */
export interface SdkCallback {
  onSuccess(...args: unknown[]): void;
  onError(...args: unknown[]): void;
  onClose(...args: unknown[]): void;
}

type RecordingGlobal = SdkGlobal & { __sdkRecord: SdkRecord & { callback(label: string): SdkCallback; vars: Record<string, any> } };

/** Registers message, room-status and room-list listeners that record into the page. Call once per page, before connecting. */
export async function installSdkRecorder(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as RecordingGlobal;
    const copy = (v: unknown) => JSON.parse(JSON.stringify(v ?? null));
    const rec = {
      newMessages: [],
      updates: [],
      startTyping: [],
      stopTyping: [],
      onlineStatus: [],
      results: {},
      vars: {},
    } as unknown as RecordingGlobal['__sdkRecord'];
    rec.callback = (label: string) => {
      const push =
        (kind: CallbackReport['kind']) =>
        (...args: unknown[]) => {
          rec.results[label] ??= [];
          rec.results[label].push({ kind, args: copy(args) });
        };
      return { onSuccess: push('success'), onError: push('error'), onClose: push('close') };
    };
    g.__sdkRecord = rec;
    const { tapCoreChatRoomManager: rooms, tapCoreRoomListManager: roomList } = g.TapTalkSDK;
    // The SDK calls every method of a listener without checking it exists: all of them are here.
    rooms.addMessageListener({
      onReceiveNewMessage: (m: unknown) => rec.newMessages.push(copy(m)),
      onReceiveUpdateMessage: (m: unknown) => rec.updates.push(copy(m)),
    });
    rooms.addRoomStatusListener({
      onReceiveStartTyping: (roomID: string, user: unknown) => rec.startTyping.push(copy({ roomID, user })),
      onReceiveStopTyping: (roomID: string, user: unknown) => rec.stopTyping.push(copy({ roomID, user })),
      onReceiveOnlineStatus: (user: unknown, isOnline: boolean, lastActive: number) => rec.onlineStatus.push(copy({ user, isOnline, lastActive })),
      onReceiveScheduledMessage: () => {},
    });
    roomList.addRoomListListener({ onChatRoomDeleted: () => {} });
  });
}

/**
 * Runs `fn(sdk, cb, arg, vars)` in the page: `cb` records its calls under `label` (read them with
 * `callbackReports`), `vars` keeps page-side values between calls. `fn` must be self-contained (it
 * is sent as source) and `arg` JSON. Resolves to what `fn` returns (JSON).
 */
export function runInPage<A>(page: Page, label: string, fn: (sdk: any, cb: SdkCallback, arg: A, vars: Record<string, any>) => unknown, arg?: A): Promise<any> {
  const rec = 'globalThis.__sdkRecord';
  return page.evaluate(`(${fn.toString()})(globalThis.TapTalkSDK, ${rec}.callback(${JSON.stringify(label)}), ${JSON.stringify(arg ?? null)}, ${rec}.vars)`);
}

export function readSdkRecord<M = any>(page: Page): Promise<SdkRecord<M>> {
  return page.evaluate(() => (globalThis as RecordingGlobal).__sdkRecord as SdkRecord<M>);
}

/** Polls the page's record until `probe` returns something (not undefined or false), and returns it. */
export async function untilRecorded<M, T>(page: SdkPage, what: string, probe: (r: SdkRecord<M>) => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await readSdkRecord<M>(page);
    const found = probe(r);
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) {
      const console = page.consoleLog.join('\n');
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}\nrecord: ${JSON.stringify(r).slice(0, 4000)}\nconsole:\n${console}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The calls of callback `label`, once there are at least `count`. */
export function callbackReports(page: SdkPage, label: string, count = 1, timeoutMs?: number): Promise<CallbackReport[]> {
  return untilRecorded(
    page,
    `callback '${label}' was called ${count} time(s)`,
    (r) => ((r.results[label]?.length ?? 0) >= count ? (r.results[label] as CallbackReport[]) : undefined),
    timeoutMs,
  );
}

/** The arguments of the first call of callback `label`, which must be `onSuccess`. */
export async function callbackSuccess(page: SdkPage, label: string, timeoutMs?: number): Promise<any[]> {
  const [first] = await callbackReports(page, label, 1, timeoutMs);
  if (first?.kind !== 'success') throw new Error(`callback '${label}' reported ${JSON.stringify(first)}, not success`);
  return first.args;
}

// ---------------------------------------------------------------------------------------------
// Signing in, as every app on the SDK does

export interface SdkSignIn {
  appKeyID: string;
  appKeySecret: string;
  /** Where the SDK's API is. */
  base: string;
  /** An auth ticket for the user (from the server API, or Live Chat's request_auth_ticket). */
  ticket: string;
  /** Load the room list (default true): until it is set up, the SDK hands socket messages on undecrypted. */
  roomList?: boolean;
  /** Open the socket (default true; needs the room list). */
  connect?: boolean;
}

/**
 * The SDK's sign-in on a page whose recorder and listeners are installed: init against `base`, the
 * project configs, the ticket redeemed (both of the SDK's success callbacks), the room list and the
 * socket. Resolves to the room list the SDK answered (`undefined` when not loaded).
 */
export async function signInThroughSdk(page: SdkPage, o: SdkSignIn): Promise<Record<string, any> | undefined> {
  await sdkInit(page, o.appKeyID, o.appKeySecret, o.base);
  await waitForProjectConfigs(page);
  await runInPage(page, 'auth', (sdk, cb, ticket: string) => sdk.taptalk.authenticateWithAuthTicket(ticket, true, cb), o.ticket);
  assert.deepEqual(await callbackReports(page, 'auth', 2), [
    { kind: 'success', args: ['Request access token success'] },
    { kind: 'success', args: [] },
  ]);
  if (o.roomList === false) return undefined;
  await runInPage(page, 'roomList', (sdk, cb) => sdk.tapCoreRoomListManager.getUpdatedRoomList(cb));
  const [roomList] = await callbackSuccess(page, 'roomList');
  if (o.connect !== false) {
    await runInPage(page, 'connect', (sdk, cb) => sdk.taptalk.connect(cb));
    assert.deepEqual(await callbackSuccess(page, 'connect'), ['Successfully connected to TapTalk.io server']);
  }
  return roomList;
}
