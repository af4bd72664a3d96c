// The agents' inbox in a real browser (issue #13), with the visitor on the other side: the visitor
// follows OneTalk's official clients' REST sequence over HTTP (docs/livechat.md: a ticket from the
// company's backend, get_configs, topics, case/create, a chat ticket) and chats through the unmodified
// TapTalk web SDK in `case:<id>`; the agent signs in at /inbox, is given the waiting case as she comes online (the visitor's message is
// then read), sees the visitor typing, types back, replies, sees it read, closes; the visitor rates; the
// company's webhook hears case_resolved. Set up as an operator does it, through the `parley` CLI.
// Once on one in-process node on SQLite, and once on two `parley serve` processes sharing PostgreSQL
// and Redis with the visitor on node 1 and the agent on node 2, so typing, reads, 3006/3001/3003 and
// the reply cross the broker.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { describeRun, parley } from './support/cli.ts';
import { dialectAvailable } from './support/databases.ts';
import { BACKENDS, type Backend } from './support/e2e-backends.ts';
import { type CaseData, type LiveChatServer, signInVisitor, visitorCall } from './support/livechat.ts';
import {
  type SdkGlobal,
  type SdkPage,
  type SdkRecord,
  browserAvailable,
  installSdkRecorder,
  newUserPage,
  runInPage,
  sharedHarness,
  signInThroughSdk,
  untilRecorded,
} from './support/sdk-browser.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';

const hasBrowser = browserAvailable();
const harness = sharedHarness();
const PASSWORD = 'a long passphrase';

interface Msg {
  messageID: string;
  localID: string;
  type: number;
  body: string;
  isRead: boolean;
  room: { roomID: string };
  user: { userID: string; fullname: string };
}

/** Waits on what the visitor's SDK reported (its messages typed as `Msg`). */
const until = <T>(page: SdkPage, what: string, probe: (r: SdkRecord<Msg>) => T | undefined | false) => untilRecorded(page, what, probe);

/** Waits until the page's element `selector` has text matching `pattern`. */
async function untilText(page: Page, selector: string, pattern: RegExp): Promise<void> {
  await page.waitForFunction(
    ([s, source]) =>
      new RegExp(source as string).test(
        (globalThis as unknown as { document: { querySelector(q: string): { textContent: string } | null } }).document.querySelector(s as string)
          ?.textContent ?? '',
      ),
    [selector, pattern.source],
    { timeout: 15_000 },
  );
}

/** `parley …` against the backend's database (as an operator runs it); its `--json` answer. */
async function cli<T>(b: Backend, args: string[], input?: string): Promise<T> {
  const env = { ...b.cliEnv, PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true' };
  const run = await parley([...args, '--project', b.project.projectID, '--json'], 60_000, env, input);
  assert.equal(run.code, 0, describeRun(run));
  return JSON.parse(run.stdout) as T;
}

// Asked once, before any suite is declared: node:test runs the harness's root `after` (closing the
// browser) around the suites declared so far, so none may be declared after an await.
const postgres = hasBrowser && (await dialectAvailable('postgres'));
for (const backend of BACKENDS) {
  const name = backend.needsPostgres ? 'two processes, PostgreSQL + Redis (visitor on node 1, agent on node 2)' : 'one in-process node, SQLite';
  const skip = !hasBrowser ? 'chromium missing' : backend.needsPostgres && !postgres ? 'PostgreSQL unreachable' : false;
  describe(`the inbox in a browser, a visitor through the web SDK [${name}]`, { skip }, () => {
    let b: Backend;
    let receiver: WebhookReceiver;
    const pages: SdkPage[] = [];

    before(async () => {
      const built = new URL('../dist/inbox/public/sdk.js', import.meta.url);
      assert.ok(existsSync(built), `${built.pathname} is missing: run \`npm run build\` first`);
      // The local receiver is on a loopback address, which webhooks refuse unless allowed.
      b = await backend.start({ PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true' });
      receiver = await WebhookReceiver.start();
    });
    after(async () => {
      for (const page of pages) await page.context().close();
      await receiver?.close();
      await b?.close();
    });

    it('visitor opens a case; it goes to the agent as she comes online; she reads it, sees typing, types, replies, sees it read, closes; the visitor rates; case_resolved', async () => {
      const { browser, sdkPage } = await harness();
      const visitorBase = b.base.alice;
      const agentBase = b.base.bob;

      // The operator's set-up, through the CLI.
      const [topic, , key, endpoint] = await Promise.all([
        cli<{ id: number }>(b, ['topic', 'create', '--name', 'Deliveries']),
        cli(b, ['agent', 'create', '--email', 'ann@example.com', '--name', 'Ann'], `${PASSWORD}\n`),
        cli<{ id: string; secretKey: string }>(b, ['key', 'create', '--type', 'livechat']),
        cli<{ secret: string }>(b, ['webhook', 'create', '--url', receiver.url, '--events', 'case.resolved']),
      ]);
      receiver.secret = endpoint.secret;
      const site: LiveChatServer = { base: visitorBase, apiKey: b.project.apiKey, secretKey: key.secretKey };

      // The visitor, as OneTalk's clients call: the backend's ticket redeemed, then configs, topics, a case.
      const visitor = await signInVisitor(site, 'Vera');
      const configs = await visitorCall<{ tapTalk: { apiURL: string; appKeyID: string; appKeySecret: string } }>(site, undefined, 'client/project/get_configs');
      assert.deepEqual(
        [configs.data.tapTalk.apiURL, configs.data.tapTalk.appKeyID],
        [visitorBase, key.id],
        'the chat SDK is sent where the launcher called, with its key',
      );
      const topics = await visitorCall<{ topics: Array<{ id: number; name: string }> }>(site, undefined, 'client/topic/get_list');
      assert.ok(topics.data.topics.some((x) => x.id === topic.id));
      const opened = await visitorCall<{ case: CaseData }>(site, visitor, 'client/case/create', { topicID: topic.id, message: 'Where is my parcel?' });
      const id = opened.data.case.id;
      const roomID = `case:${id}`;
      const chatTicket = await visitorCall<{ ticket: string }>(site, visitor, 'client/taptalk/request_auth_ticket');

      // The visitor's chat: the unmodified web SDK, pointed where get_configs says.
      const visitorPage = await newUserPage(browser, sdkPage.url);
      pages.push(visitorPage);
      await installSdkRecorder(visitorPage);
      const { appKeyID, appKeySecret, apiURL } = configs.data.tapTalk;
      await signInThroughSdk(visitorPage, { appKeyID, appKeySecret, base: apiURL, ticket: chatTicket.data.ticket });
      const visitorUserID: string = await visitorPage.evaluate(() => (globalThis as SdkGlobal).TapTalkSDK.taptalk.getTaptalkActiveUser().userID);

      // The agent at /inbox (of the other node), in a context of their own; phone-sized.
      const agent = await newUserPage(browser, `${agentBase}/inbox`);
      pages.push(agent);
      await agent.setViewportSize({ width: 360, height: 740 });
      await agent.waitForSelector('#sign-in-form', { state: 'visible' });
      await agent.fill('#project', b.project.projectID);
      await agent.fill('#email', 'ann@example.com');
      await agent.fill('#password', PASSWORD);
      await agent.click('#sign-in-button');
      await agent.waitForSelector(`li[data-case-id="${id}"]`, { timeout: 15_000 });
      await untilText(agent, `li[data-case-id="${id}"]`, /Vera/);
      await untilText(agent, '#status', /live/);
      await agent.click(`li[data-case-id="${id}"]`);
      // Nobody was online when the case was opened; the page's socket brings Ann online and the case to her
      // (taking a case from another agent is the inbox API test's).
      await untilText(agent, '#case-state', /yours/);
      await untilText(agent, '#messages', /Where is my parcel\?/);
      // The visitor hears 3006 through the chat SDK, and sees their message read: the agent has the case open.
      await until(visitorPage, 'the visitor hears the agent join', (r) => r.newMessages.find((m) => m.room.roomID === roomID && m.type === 3006));
      await until(visitorPage, 'the visitor sees the agent read their message', (r) =>
        r.updates.find((m) => m.room.roomID === roomID && m.body === 'Where is my parcel?' && m.isRead && m.user.userID === visitorUserID),
      );

      // Typing, from the visitor's SDK to the agent's page…
      await runInPage(visitorPage, 'typing', (sdk, _cb, room: string) => sdk.tapCoreChatRoomManager.sendStartTypingEmit(room), roomID);
      await untilText(agent, '#typing', /Vera is typing/);
      // …and from the agent's page to the visitor's SDK, which hears the stop when the reply goes.
      await agent.fill('#reply', 'On its way!');
      const typing = await until(visitorPage, 'the visitor sees the agent typing', (r) => r.startTyping.find((x) => x.roomID === roomID));
      assert.equal(typing.user.fullname, 'Ann');

      // The agent replies; the visitor's SDK receives it (decrypted by the SDK itself) and reads it.
      await agent.click('#reply-form button[type="submit"]');
      const reply = await until(visitorPage, 'the visitor receives the reply', (r) =>
        r.newMessages.find((m) => m.room.roomID === roomID && m.body === 'On its way!'),
      );
      assert.equal(reply.type, 1001);
      assert.equal(reply.user.fullname, 'Ann');
      await until(visitorPage, 'the visitor sees the agent stop typing', (r) => r.stopTyping.find((x) => x.roomID === roomID && x.user.fullname === 'Ann'));
      await untilText(agent, '#typing', /^$/);
      await runInPage(visitorPage, 'read', (sdk, _cb, messageID: string) => sdk.tapCoreMessageManager.markMessageAsRead([messageID]), reply.messageID);
      await untilText(agent, '#messages', /On its way!.*read/);

      // The agent closes; the visitor hears 3001 and 3003, rates; the company hears case_resolved.
      await agent.click('#close');
      await untilText(agent, '#case-state', /closed/);
      await until(visitorPage, 'the visitor hears the close and the review request', (r) => {
        const types = r.newMessages.filter((m) => m.room.roomID === roomID).map((m) => m.type);
        return types.includes(3001) && types.includes(3003);
      });
      const rated = await visitorCall(site, visitor, 'client/case/rate', { id, rating: 5, note: 'Quick and kind' });
      assert.equal(rated.status, 200, JSON.stringify(rated.error));
      const [hook] = await receiver.until((r) => r.length >= 1);
      assert.equal(hook?.valid, true, 'signed with the secret `webhook create` printed');
      const body = JSON.parse(hook?.body ?? '{}') as { type: string; caseResolved: { id: number; agentEmail: string; contact: { fullName: string } } };
      assert.deepEqual(
        [body.type, body.caseResolved.id, body.caseResolved.agentEmail, body.caseResolved.contact.fullName],
        ['case_resolved', id, 'ann@example.com', 'Vera'],
      );

      const active = await visitorPage.evaluate(() => (globalThis as SdkGlobal).TapTalkSDK.taptalk.getTaptalkActiveUser().fullname);
      assert.equal(active, 'Vera');
      for (const page of pages) assert.deepEqual(page.errors, [], `no console or page errors; console:\n${page.consoleLog.join('\n')}`);
      assert.deepEqual(b.problems(), [], 'no server errors logged');
    });
  });
}
