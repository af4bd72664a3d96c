// The demo (`npm start` = `parley serve --bootstrap --demo`): its routes on each database, their
// absence when the demo is off, and the /demo page itself driven in headless chromium the way a new
// user would: two people sign in through the page's own form and chat through TapTalk's official
// web SDK (bundled at install into dist/demo/public/; `npm run build` makes it).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { DEMO_ASSETS_DIR } from '../src/api/demo/files.ts';
import { buildServer } from '../src/server.ts';
import { DEMO_AGENT, DEMO_TOPIC, ensureDemoLivechat } from '../src/services/demo-livechat.ts';
import { createAgent, createTopic } from '../src/services/livechat-setup.ts';
import { type CreatedProject, createProject, listKeys, revokeKey } from '../src/services/projects.ts';
import { type TestApp, createTestApp, post } from './support/app.ts';
import { listen } from './support/chat.ts';
import { Server, killAll, postJson } from './support/cli.ts';
import { type TestDatabase, createTestDatabase, eachDialect } from './support/databases.ts';
import { samplePng } from './support/files.ts';
import { type SdkPage, browserAvailable, launchBrowser, newUserPage } from './support/sdk-browser.ts';

const TEXT = 'Hello from the demo 👋';
const REPLY = 'Hi Alice, it works!';
const LC_FIRST = 'Where is my parcel?';
const LC_REPLY = 'On its way, Vera!';
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

  it('the demo Live Chat: a topic and an agent created once, the same password each time, kept sealed', async () => {
    const first = await ensureDemoLivechat(t.deps);
    assert.ok(first?.password, 'a password the demo holds');
    assert.deepEqual({ ...first, password: '' }, { project: 'default', email: DEMO_AGENT.email, password: '', topics: [DEMO_TOPIC] });
    const password = first.password;
    assert.equal(password.length, 16);
    const again = await ensureDemoLivechat(t.deps);
    assert.deepEqual(again, first, 'found again: no second topic, no second agent, the same password');
    // The password signs the agent in at /inbox.
    const login = await post(t.app, '/inbox/api/login', {}, { project: 'default', email: DEMO_AGENT.email, password });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    // Hashed as every agent's password, and kept sealed (never in clear) so the next start can print it.
    for (const row of await t.deps.db.selectFrom('settings').selectAll().execute()) {
      assert.ok(!row.value.includes(password), `settings.${row.name} does not hold the password in clear`);
    }
    const agents = await t.deps.db.selectFrom('livechat_agents').selectAll().execute();
    assert.equal(agents.length, 1);
    assert.ok(agents.every((a) => !JSON.stringify(a).includes(password)));
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
    const livechat = await get(t, '/demo/livechat.js');
    assert.equal(livechat.statusCode, 200);
    assert.match(livechat.body, /client\/case\/send_message/);
  });

  it('without the built files, /demo says how to build them and the server still runs', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'parley-demo-'));
    const app = await buildServer(t.deps, { demoAssets: empty });
    try {
      const page = await app.inject({ method: 'GET', url: '/demo' });
      assert.equal(page.statusCode, 503);
      assert.match(page.body, /The demo page is not built\..*npm install/);
      const sdk = await app.inject({ method: 'GET', url: '/demo/sdk.js' });
      assert.equal(sdk.statusCode, 503);
      assert.equal(sdk.json().error.code, '50300');
      const ticket = await app.inject({ method: 'POST', url: '/demo/ticket', payload: { name: 'Carol' } });
      assert.equal(ticket.statusCode, 200, 'the rest of the demo works');
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('the key outlives the app that served it: the next one (a restart) hands out the same; revoked, a new one', async () => {
    const keyOf = async (app: FastifyInstance) =>
      (await app.inject({ method: 'POST', url: '/demo/ticket', payload: { name: 'Carol' } })).json().data.appKeyID as string;
    const first = await keyOf(t.app);
    const next = await buildServer(t.deps);
    try {
      assert.equal(await keyOf(next), first, 'the same key, so an open tab keeps working');
    } finally {
      await next.close();
    }
    assert.equal((await listKeys(t.deps, project.projectID)).find((k) => k.id === first)?.revokedAt, null, 'not revoked at close');
    // Stored only as a hash in api_keys; the secret the page needs again is kept sealed, never in clear.
    const settings = await t.deps.db.selectFrom('settings').selectAll().execute();
    const kept = settings.find((row) => row.name === `app_key:demo:${project.projectID}`);
    assert.ok(kept, 'the key is kept in settings');
    const page = (await get(t, '/demo')).body;
    const secret = JSON.parse(/<script id="demo-config" type="application\/json">([^<]*)<\/script>/.exec(page)?.[1] as string).appKeySecret as string;
    for (const row of settings) assert.ok(!row.value.includes(secret), `settings.${row.name} does not hold the secret in clear`);

    await revokeKey(t.deps, first);
    const renewed = await buildServer(t.deps);
    try {
      const second = await keyOf(renewed);
      assert.notEqual(second, first, 'a revoked key is replaced');
      assert.equal(await keyOf(renewed), second);
    } finally {
      await renewed.close();
    }
  });
});

await eachDialect(describe, "demo Live Chat next to an operator's own set-up", (dialect) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(dialect, { PARLEY_DEMO: 'true' });
  });
  after(() => t.close());

  it("leaves the operator's topics and agent alone: no topic added, no password claimed for their agent", async () => {
    const project = await createProject(t.deps, { name: 'default', tier: 'free' });
    await createTopic(t.deps, project.projectID, 'Billing');
    await createAgent(t.deps, project.projectID, { email: DEMO_AGENT.email, fullName: 'Ann', password: 'the operator chose it', topicIds: [] });
    const demo = await ensureDemoLivechat(t.deps);
    assert.deepEqual(demo, { project: 'default', email: DEMO_AGENT.email, password: undefined, topics: ['Billing'] });
    const login = await post(t.app, '/inbox/api/login', {}, { project: 'default', email: DEMO_AGENT.email, password: 'the operator chose it' });
    assert.equal(login.status, 200, 'their password still signs them in');
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
      ['GET', '/demo/livechat.js'],
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

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** What `serve --demo` prints about Live Chat (after its "listening" line). */
async function livechatLines(server: Server) {
  const pattern =
    /^Live Chat: play a visitor at (\S+), and answer as the agent in another tab at (\S+)\n {2}Agent sign-in: project (\S+), email (\S+), password (\S+)$/m;
  for (let waited = 0; ; waited += 50) {
    const match = pattern.exec(server.stdout);
    if (match) {
      const [, visitorUrl, inboxUrl, project, email, password] = match as unknown as string[];
      return { visitorUrl, inboxUrl, project, email, password: password as string };
    }
    if (waited > 15_000) assert.fail(`no Live Chat lines in:\n${server.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** pino writes JSON lines to stdout, beside the start lines: none of them, nor stderr, holds `secret`. */
function assertNotLogged(server: Server, secret: string): void {
  const logLines = server.stdout.split('\n').filter((line) => line.startsWith('{'));
  assert.ok(logLines.length > 0, 'the server logged');
  for (const line of [...logLines, server.stderr]) assert.ok(!line.includes(secret), `never in the logs: ${line.slice(0, 200)}`);
}

/** Nothing wider than the screen: the page never scrolls sideways. */
async function assertFitsPhone(page: Page, when: string): Promise<void> {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.viewport.width, `${when}: scrollWidth ${width} > ${PHONE.viewport.width}`);
}

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

    it('Live Chat tab: a visitor opens a case; the agent takes it in /inbox, replies, closes; the visitor sees it all and rates', async () => {
      // What `npm start` sets up: a topic and the demo agent, whose password it prints.
      const demo = await ensureDemoLivechat(t.deps);
      assert.ok(demo?.password);
      const browser = await (sharedBrowser as Promise<Browser>);
      // The visitor on a phone, the agent in a browser of their own.
      const visitor = await newUserPage(browser, `${url}?tab=livechat`, PHONE);
      const agent = await newUserPage(browser, url.replace(/\/demo$/, '/inbox'));
      try {
        await visitor.locator('#lc-start').waitFor(WAIT);
        await assertFitsPhone(visitor, 'Live Chat sign-up');
        await visitor.locator('#lc-name').fill('Vera');
        await visitor.locator('#lc-email').fill('vera@example.com');
        await visitor.locator('#lc-topic').selectOption({ label: DEMO_TOPIC });
        await visitor.locator('#lc-message').fill(LC_FIRST);
        await visitor.locator('#lc-start-button').click();
        await visitor.locator('#status[data-state="connected"]').waitFor(WAIT);
        await visitor.locator('#lc-messages li.message.mine', { hasText: LC_FIRST }).waitFor(WAIT);
        await visitor.locator('#lc-state', { hasText: 'Waiting for an agent' }).waitFor(WAIT);
        const caseId = await visitor.locator('#lc-cases li.active').getAttribute('data-case-id');
        assert.match(caseId ?? '', /^\d+$/);
        await assertFitsPhone(visitor, 'Live Chat case');

        // The agent signs in with what `npm start` printed; coming online, they are given the waiting case.
        await agent.locator('#sign-in-form').waitFor(WAIT);
        assert.equal(await agent.locator('#project').inputValue(), 'default');
        await agent.locator('#email').fill(demo.email);
        await agent.locator('#password').fill(demo.password);
        await agent.locator('#sign-in-button').click();
        await agent.locator('#status[data-state="connected"]').waitFor(WAIT);
        await agent.locator(`li[data-case-id="${caseId}"]`, { hasText: 'Vera' }).click();
        await agent.locator('#messages', { hasText: LC_FIRST }).waitFor(WAIT);
        await agent.locator('#case-state', { hasText: 'yours' }).waitFor(WAIT);
        await visitor.locator('#lc-state', { hasText: `With ${DEMO_AGENT.fullName}` }).waitFor(WAIT);

        // Typing both ways; the visitor writes (through case/send_message), the agent reads.
        await visitor.locator('#lc-input').fill('Any news?');
        await agent.locator('#typing', { hasText: 'Vera is typing' }).waitFor(WAIT);
        await visitor.locator('#lc-input').press('Enter');
        await agent.locator('#messages .msg.visitor', { hasText: 'Any news?' }).waitFor(WAIT);
        await visitor.locator('#lc-messages li.message.mine[data-status="read"]', { hasText: 'Any news?' }).waitFor(WAIT);
        await agent.locator('#reply').fill('Let me');
        await visitor.locator('#lc-typing', { hasText: `${DEMO_AGENT.fullName} is typing` }).waitFor(WAIT);
        await agent.locator('#reply').fill(LC_REPLY);
        await agent.locator('#reply-form button[type="submit"]').click();
        await visitor.locator('#lc-messages li.message:not(.mine)', { hasText: LC_REPLY }).waitFor(WAIT);
        await visitor.locator('#lc-typing:empty').waitFor(WAIT);
        // The visitor has the case open: the reply is read, and the inbox says so.
        await agent.locator('#messages .msg.agent', { hasText: LC_REPLY }).locator('.meta', { hasText: 'read' }).waitFor(WAIT);

        // The agent closes: the visitor sees the case closed and is asked to rate.
        await agent.locator('#close').click();
        await agent.locator('#case-state', { hasText: 'closed' }).waitFor(WAIT);
        await visitor.locator('#lc-state', { hasText: 'Closed' }).waitFor(WAIT);
        await visitor.locator('#lc-messages li.message.system[data-type="3001"]').waitFor(WAIT);
        assert.ok(await visitor.locator('#lc-composer').isHidden(), 'a closed case takes no more messages');
        await visitor.locator('#lc-rate').waitFor(WAIT);
        await assertFitsPhone(visitor, 'Live Chat rating');
        await visitor.locator('#lc-stars button[data-rating="5"]').click();
        await visitor.locator('#lc-note').fill('Quick and kind');
        await visitor.locator('#lc-rate-button').click();
        await visitor.locator('#lc-rated', { hasText: 'you rated this case ★★★★★' }).waitFor(WAIT);
        await visitor.locator('#lc-messages li.message.system[data-type="3004"]').waitFor(WAIT);

        // A reload keeps the visitor's session and the case; the Chat tab is another session.
        await visitor.reload();
        await visitor.locator('#lc-rated', { hasText: '★★★★★' }).waitFor(WAIT);
        await visitor.locator('#lc-messages li.message', { hasText: LC_REPLY }).waitFor(WAIT);
        // A new case: the agent is online now, so it is theirs at once; the visitor may end it too.
        await visitor.locator('#lc-new').click();
        assert.ok(await visitor.locator('#lc-name').isHidden(), 'a signed-in visitor is not asked who they are again');
        await visitor.locator('#lc-message').fill('One more thing');
        await visitor.locator('#lc-start-button').click();
        await visitor.locator('#lc-state', { hasText: `With ${DEMO_AGENT.fullName}` }).waitFor(WAIT);
        assert.equal(await visitor.locator('#lc-cases li[data-case-id]').count(), 2);
        await visitor.locator('#lc-close').click();
        await visitor.locator('#lc-rate').waitFor(WAIT);
        await visitor.locator('#tabs a[data-tab="chat"]').click();
        await visitor.locator('#sign-in').waitFor(WAIT);
        for (const page of [visitor, agent]) assertNoPageErrors(page);
      } finally {
        await visitor.context().close();
        await agent.context().close();
      }
    });
  },
);

// ---------------------------------------------------------------------------------------------
// On a phone, and across a restart of the server process (`parley serve --demo`, same port and data)

await eachDialect(
  (name, options, fn) => describe(name, { skip: hasBrowser ? options.skip : 'chromium missing' }, fn),
  'demo page on a phone, across a server restart',
  (dialect) => {
    let database: TestDatabase | undefined;
    let server: Server | undefined;
    let alice: SdkPage | undefined;
    let bob: SdkPage | undefined;
    const serve = (port: string) => new Server(['--bootstrap', '--demo', '--port', port, '--database', (database as TestDatabase).url]);

    before(async () => {
      assertBuilt();
      database = await createTestDatabase(dialect);
    });
    after(async () => {
      await alice?.context().close();
      await bob?.context().close();
      await server?.stop();
      await killAll();
      await database?.drop();
    });

    it('fits 360 px, sends, dismisses its error banner, and gets back to sending after a restart without a reload', async () => {
      server = serve('0');
      const base = await server.listening();
      const port = new URL(base).port;
      // `npm start` says how to play Live Chat: both URLs, and the demo agent's sign-in.
      const printed = await livechatLines(server);
      assert.equal(printed.visitorUrl, `${base}/demo?tab=livechat`);
      assert.equal(printed.inboxUrl, `${base}/inbox`);
      assert.deepEqual([printed.project, printed.email], ['default', DEMO_AGENT.email]);
      const login = await postJson(`${base}/inbox/api/login`, {}, { project: printed.project, email: printed.email, password: printed.password });
      assert.equal(login.status, 200, 'the printed password signs the agent in');
      sharedBrowser ??= launchBrowser();
      const browser = await sharedBrowser;
      [alice, bob] = await Promise.all([newUserPage(browser, `${base}/demo`, PHONE), newUserPage(browser, `${base}/demo`, PHONE)]);
      await alice.locator('#sign-in').waitFor(WAIT);
      await assertFitsPhone(alice, 'sign-in');
      await signIn(alice, 'Alice');
      await signIn(bob, 'Bob');
      await assertFitsPhone(alice, 'signed in');

      await alice.locator('#peer-name').fill('Bob');
      await alice.locator('#open-chat').click();
      await alice.locator('#chat-title', { hasText: 'Bob' }).waitFor(WAIT);
      const long = `A long word: ${'x'.repeat(120)}`;
      for (const text of [TEXT, long]) {
        await alice.locator('#message-input').fill(text);
        await alice.locator('#send').click();
        await bubble(alice, text, 'delivered').waitFor(WAIT);
      }
      await bob.locator('#rooms li', { hasText: 'Alice' }).click();
      await bubble(bob, TEXT).waitFor(WAIT);
      await assertFitsPhone(alice, 'with messages');
      await assertFitsPhone(bob, 'with messages');

      // An error shows the banner; ✕ hides it until the next error.
      const banner = alice.locator('#notice');
      for (let round = 0; round < 2; round++) {
        await alice.locator('#peer-name').fill('Nobody Here');
        await alice.locator('#open-chat').click();
        await banner.locator('#notice-text', { hasText: 'Nobody called "Nobody Here" has signed in yet' }).waitFor(WAIT);
        assert.ok(await banner.isVisible());
        await assertFitsPhone(alice, 'with the banner');
        await alice.locator('#notice-close').click();
        await banner.waitFor({ state: 'hidden', ...WAIT });
      }

      // The server process stops and starts again on the same port and data; the tabs stay open.
      await alice.evaluate(() => Object.assign(window, { beforeRestart: true }));
      assertNotLogged(server, printed.password);
      assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stderr);
      await alice.locator('#status[data-state="disconnected"]').waitFor(WAIT);
      server = serve(port);
      await server.listening();
      assert.equal((await livechatLines(server)).password, printed.password, 'the same password at each start');
      await alice.locator('#status[data-state="connected"]').waitFor({ timeout: 30_000 });
      await bob.locator('#status[data-state="connected"]').waitFor({ timeout: 30_000 });
      assert.equal(await alice.evaluate(() => (window as { beforeRestart?: boolean }).beforeRestart), true, 'the same page: not reloaded');

      const afterRestart = 'Still here after the restart';
      await alice.locator('#message-input').fill(afterRestart);
      await alice.locator('#send').click();
      await bubble(bob, afterRestart).waitFor(WAIT);
      await bubble(alice, afterRestart, 'read').waitFor(WAIT);
      await bob.locator('#message-input').fill(REPLY);
      await bob.locator('#send').click();
      await bubble(alice, REPLY).waitFor(WAIT);
      assert.ok(await banner.isHidden(), 'no error came of the restart');
      assertNotLogged(server, printed.password);
      // The browser logs the refused sockets while the server was away; the page itself threw nothing.
      for (const page of [alice, bob])
        assert.deepEqual(
          page.errors.filter((e) => e.kind === 'pageerror'),
          [],
        );
    });
  },
);
