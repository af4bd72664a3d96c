// The demo (`npm start` = `parley serve --bootstrap --demo`): its routes on each database, their
// absence when the demo is off, and the /demo page itself driven in headless chromium the way a new
// user would: two people sign in through the page's own form and chat through TapTalk's official
// web SDK (bundled at install into dist/demo/public/; `npm run build` makes it).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_ASSETS_DIR } from '../src/api/demo/files.ts';
import { buildServer } from '../src/server.ts';
import { type CreatedProject, createProject, listKeys } from '../src/services/projects.ts';
import { type TestApp, createTestApp, post } from './support/app.ts';
import { listen } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { samplePng } from './support/files.ts';
import { type SdkPage, browserAvailable, launchBrowser, newUserPage } from './support/sdk-browser.ts';

const TEXT = 'Hello from the demo 👋';
const REPLY = 'Hi Alice, it works!';
/** The page's files are built by `npm run build` (npm install runs it); `npm test` builds first. */
const assertBuilt = () => assert.ok(existsSync(join(DEMO_ASSETS_DIR, 'sdk.js')), `${DEMO_ASSETS_DIR} has no sdk.js: run \`npm run build\` first`);

const get = async (t: TestApp, url: string) => t.app.inject({ method: 'GET', url });

await eachDialect(describe, 'demo routes', (dialect) => {
  let t: TestApp;
  let project: CreatedProject;
  before(async () => {
    t = await createTestApp(dialect, { PARLEY_DEMO: 'true' });
  });
  after(() => t.close());

  it('without a project named "default", /demo says how to get one and the routes answer 503', async () => {
    assertBuilt();
    const page = await get(t, '/demo');
    assert.equal(page.statusCode, 503);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    assert.match(page.body, /project &quot;default&quot;, and there is none/);
    const ticket = await post(t.app, '/demo/ticket', {}, { name: 'Alice' });
    assert.equal(ticket.status, 503);
    assert.equal(ticket.body.error.code, '50300');
    assert.match(ticket.body.error.message, /npm start/);
    project = await createProject(t.deps, { name: 'default', tier: 'free' });
  });

  it('POST /demo/ticket: a ticket and the app key that redeems it; the same name is the same user', async () => {
    const first = await post(t.app, '/demo/ticket', {}, { name: '  Alice   Liddell ' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const data = first.body.data as { userID: string; ticket: string; appKeyID: string; appKeySecret: string };
    assert.deepEqual(Object.keys(data), ['userID', 'ticket', 'appKeyID', 'appKeySecret']);
    assert.match(data.appKeyID, /^app_/);
    assert.notEqual(data.appKeyID, project.appKey.id, 'a key of its own (secrets are not recoverable)');

    const appKey = Buffer.from(`${data.appKeyID}:${data.appKeySecret}`).toString('base64');
    const redeemed = await post(t.app, '/v1/auth/access_token/request', { 'app-key': appKey, authorization: `Bearer ${data.ticket}` }, '""');
    assert.equal(redeemed.body.status, 200, JSON.stringify(redeemed.body));
    const user = (redeemed.body.data as { user: Record<string, unknown> }).user;
    assert.deepEqual([user.userID, user.xcUserID, user.fullname], [data.userID, 'demo:alice liddell', 'Alice Liddell']);

    const again = await post(t.app, '/demo/ticket', {}, { name: 'ALICE liddell' });
    assert.equal((again.body.data as { userID: string }).userID, data.userID);
    assert.equal((again.body.data as { appKeyID: string }).appKeyID, data.appKeyID, 'one key per process');
  });

  it('POST /demo/ticket validates the name (1 to 45 characters) in the envelope', async () => {
    for (const body of [{}, { name: '   ' }, { name: 42 }, { name: 'x'.repeat(46) }, '{not json']) {
      const res = await post(t.app, '/demo/ticket', {}, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, '40002');
      if (typeof body === 'object') assert.equal(res.body.error.field, 'name');
    }
    assert.equal((await post(t.app, '/demo/ticket', {}, { name: 'x'.repeat(45) })).status, 200);
  });

  it('GET /demo/users lists the demo users only', async () => {
    await post(t.app, '/demo/ticket', {}, { name: 'Bob' });
    const res = await get(t, '/demo/users');
    assert.equal(res.statusCode, 200);
    const users = (res.json().data as { users: Array<{ xcUserID: string; fullname: string; isOnline: boolean }> }).users;
    assert.deepEqual(
      users.map((u) => u.fullname),
      ['ALICE liddell', 'Bob', 'x'.repeat(45)],
    );
    assert.ok(users.every((u) => u.xcUserID.startsWith('demo:') && u.isOnline === false));
  });

  it('GET /demo carries the app key; /demo/sdk.js and /demo/page.js are the built files', async () => {
    assertBuilt();
    const page = await get(t, '/demo');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    const config = /<script id="demo-config" type="application\/json">([^<]*)<\/script>/.exec(page.body)?.[1];
    assert.ok(config, 'the page has its configuration');
    assert.deepEqual(Object.keys(JSON.parse(config)), ['appKeyID', 'appKeySecret']);
    const sdk = await get(t, '/demo/sdk.js');
    assert.equal(sdk.statusCode, 200);
    assert.match(sdk.headers['content-type'] as string, /^text\/javascript/);
    assert.match(sdk.body, /^\/\*! @taptalk\.io\/web-sdk v?1\.39\.0, bundled by Parley/);
    assert.ok(sdk.body.includes('window.TapTalkSDK'));
    assert.equal((await get(t, '/demo/page.js')).statusCode, 200);
  });

  it('without the built files, /demo says how to build them and the server still runs; its key is revoked at close', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'parley-demo-'));
    const app = await buildServer(t.deps, { demoAssets: empty });
    let closed = false;
    try {
      const page = await app.inject({ method: 'GET', url: '/demo' });
      assert.equal(page.statusCode, 503);
      assert.match(page.body, /The demo page is not built\..*npm install/);
      const sdk = await app.inject({ method: 'GET', url: '/demo/sdk.js' });
      assert.equal(sdk.statusCode, 503);
      assert.equal(sdk.json().error.code, '50300');
      const ticket = await app.inject({ method: 'POST', url: '/demo/ticket', payload: { name: 'Carol' } });
      assert.equal(ticket.statusCode, 200, 'the rest of the demo works');
      const keyId = ticket.json().data.appKeyID as string;
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
      await app.close();
      closed = true;
      const key = (await listKeys(t.deps, project.projectID)).find((k) => k.id === keyId);
      assert.ok(key?.revokedAt, 'the demo key dies with the app that held its secret');
    } finally {
      if (!closed) await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('demo off (the default)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp('sqlite');
    await createProject(t.deps, { name: 'default', tier: 'free' });
  });
  after(() => t.close());

  it('/demo and its routes do not exist: 404 in the envelope', async () => {
    for (const [method, url] of [
      ['GET', '/demo'],
      ['POST', '/demo/ticket'],
      ['GET', '/demo/sdk.js'],
      ['GET', '/demo/users'],
    ] as const) {
      const res = await t.app.inject({ method, url, payload: method === 'POST' ? { name: 'Alice' } : undefined });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.deepEqual(res.json(), { status: 404, error: { code: '40400', message: 'Route not found', field: '' }, data: {} });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The page in a browser

const hasBrowser = browserAvailable();
let sharedBrowser: Promise<Browser> | undefined;
after(async () => {
  if (sharedBrowser !== undefined) await (await sharedBrowser).close();
});

const WAIT = { timeout: 15_000 };

async function signIn(page: Page, name: string): Promise<void> {
  await page.locator('#name').fill(name);
  await page.locator('#sign-in-button').click();
  await page.locator('#status[data-state="connected"]').waitFor(WAIT);
  assert.equal(await page.locator('#me-name').textContent(), name);
}

/** A message bubble by its text; `status` (own messages) is sending, sent, delivered or read. */
const bubble = (page: Page, text: string, status?: string) =>
  page.locator(status === undefined ? '#messages li.message' : `#messages li.message[data-status="${status}"]`, { hasText: text });

await eachDialect(
  (name, options, fn) => describe(name, { skip: hasBrowser ? options.skip : 'chromium missing' }, fn),
  'demo page in a browser',
  (dialect) => {
    let t: TestApp;
    let url: string;
    let alice: SdkPage;
    let bob: SdkPage;
    let files: string;
    const assertNoPageErrors = (page: SdkPage) =>
      assert.deepEqual(page.errors, [], `no console errors or page errors; console:\n${page.consoleLog.join('\n')}`);

    before(async () => {
      assertBuilt();
      files = mkdtempSync(join(tmpdir(), 'parley-demo-files-'));
      t = await createTestApp(dialect, { PARLEY_DEMO: 'true', PARLEY_FILES_DIR: files });
      // Real time, as for a person at the page: the history is paged by message time.
      t.clock.now = () => Date.now();
      await createProject(t.deps, { name: 'default', tier: 'free' });
      url = `${await listen(t)}/demo`;
      sharedBrowser ??= launchBrowser();
      const browser = await sharedBrowser;
      // Two isolated browser contexts: two people, as two browsers would be.
      [alice, bob] = await Promise.all([newUserPage(browser, url), newUserPage(browser, url)]);
    });
    after(async () => {
      await alice?.context().close();
      await bob?.context().close();
      await t?.close();
      rmSync(files, { recursive: true, force: true });
    });

    it('two people sign in on the page and chat: delivered and read marks, unread badge, typing', async () => {
      await signIn(alice, 'Alice');
      await signIn(bob, 'Bob');

      // Alice opens the chat by typing Bob's name, and sends.
      await alice.locator('#peer-name').fill('Bob');
      await alice.locator('#open-chat').click();
      await alice.locator('#chat-title', { hasText: 'Bob' }).waitFor(WAIT);
      await alice.locator('#message-input').fill(TEXT);
      await alice.locator('#message-input').press('Enter');
      await bubble(alice, TEXT).waitFor(WAIT);

      // Bob's SDK receives it and reports it delivered; unread until Bob opens the chat.
      const bobsRoom = bob.locator('#rooms li', { hasText: 'Alice' });
      await bobsRoom.locator('.unread', { hasText: '1' }).waitFor(WAIT);
      await bubble(alice, TEXT, 'delivered').waitFor(WAIT);
      await bobsRoom.click();
      await bubble(bob, TEXT).waitFor(WAIT);
      assert.equal(await bubble(bob, TEXT).locator('.body').textContent(), TEXT);
      await bubble(alice, TEXT, 'read').waitFor(WAIT);
      assert.equal(await bobsRoom.locator('.unread').count(), 0, 'the badge is gone once read');

      // Bob types: Alice sees it; Bob sends: Alice, whose chat is open, reads at once.
      await bob.locator('#message-input').fill('Hi');
      await alice.locator('#typing', { hasText: 'Bob is typing…' }).waitFor(WAIT);
      await bob.locator('#message-input').fill(REPLY);
      await bob.locator('#message-input').press('Enter');
      await bubble(alice, REPLY).waitFor(WAIT);
      await alice.locator('#typing:empty').waitFor(WAIT);
      await bubble(bob, REPLY, 'read').waitFor(WAIT);

      // Each sees the other in the people list.
      await alice.locator('#people li', { hasText: 'Bob' }).waitFor(WAIT);
      await bob.locator('#people li', { hasText: 'Alice' }).waitFor(WAIT);
      assertNoPageErrors(alice);
      assertNoPageErrors(bob);
    });

    it('Alice attaches a photo; Bob sees the picture in his open chat', async () => {
      await alice.locator('#attach-input').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: await samplePng(120, 90) });
      const photo = bob.locator('#messages li.message img.photo[src^="http"]');
      await photo.waitFor(WAIT);
      // Loaded from its link (chat/file/upload's fileURL): the picture itself, at its size.
      await bob.waitForFunction(
        () => {
          const img = document.querySelector('#messages li.message img.photo[src^="http"]') as HTMLImageElement | null;
          return img?.complete === true && img.naturalWidth > 0;
        },
        undefined,
        WAIT,
      );
      assert.deepEqual(await photo.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]), [120, 90]);
      assertNoPageErrors(alice);
      assertNoPageErrors(bob);
    });

    it('each tab keeps its own session; a reload keeps it, with the history; sign out ends it', async () => {
      // A second tab in Alice's browser is nobody yet (the page gives the SDK per-tab storage).
      const tab = await alice.context().newPage();
      await tab.goto(url);
      await tab.locator('#sign-in').waitFor(WAIT);
      await tab.close();

      await alice.reload();
      await alice.locator('#status[data-state="connected"]').waitFor(WAIT);
      assert.equal(await alice.locator('#me-name').textContent(), 'Alice');
      await alice.locator('#rooms li', { hasText: 'Bob' }).click();
      await bubble(alice, TEXT, 'read').waitFor(WAIT);
      await bubble(alice, REPLY).waitFor(WAIT);
      assertNoPageErrors(alice);

      await bob.locator('#sign-out').click();
      await bob.locator('#sign-in').waitFor(WAIT);
      assertNoPageErrors(bob);
    });
  },
);
