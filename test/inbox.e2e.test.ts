// The agents' inbox in a real browser (issue #13), with the visitor on the other side: the visitor
// follows OneTalk's official clients' REST sequence (docs/livechat.md: a ticket from the company's
// backend, get_configs, topics, case/create, a chat ticket) and chats through the unmodified TapTalk web
// SDK in `case:<id>`; the agent signs in at /inbox, gets the waiting case as her page's chat socket brings
// her online (taking a case is the inbox API test's), sees the visitor typing, replies, sees
// it read, closes; the visitor rates; the company's webhook hears case_resolved. SQLite, one process.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createAgent, createTopic } from '../src/services/livechat-setup.ts';
import { createEndpoint } from '../src/services/webhooks.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { listen } from './support/chat.ts';
import { type CaseData, signInVisitor, visitorCall } from './support/livechat.ts';
import {
  type SdkGlobal,
  type SdkPage,
  browserAvailable,
  callbackReports,
  callbackSuccess,
  installSdkRecorder,
  newUserPage,
  runInPage,
  sdkInit,
  sharedHarness,
  untilRecorded,
  waitForProjectConfigs,
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
  room: { roomID: string };
}

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

describe('the inbox in a browser, a visitor through the web SDK [sqlite]', { skip: hasBrowser ? false : 'chromium missing' }, () => {
  let t: TestApp;
  let base: string;
  let receiver: WebhookReceiver;
  let agent: SdkPage;
  let visitorPage: SdkPage;

  before(async () => {
    const built = new URL('../dist/inbox/public/sdk.js', import.meta.url);
    assert.ok(existsSync(built), `${built.pathname} is missing: run \`npm run build\` first`);
    t = await createTestApp('sqlite', { PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true' });
    t.clock.now = () => Date.now();
    base = await listen(t);
    receiver = await WebhookReceiver.start();
    receiver.secret = (await createEndpoint(t.deps, t.project.projectID, receiver.url, ['case.resolved'])).secret;
  });
  after(async () => {
    await agent?.context().close();
    await visitorPage?.context().close();
    await receiver?.close();
    await t?.close();
  });

  it('visitor opens a case; it goes to the agent as she comes online; she sees typing, replies, sees it read, closes; the visitor rates; case_resolved', async () => {
    const { browser, sdkPage } = await harness();
    const topic = await createTopic(t.deps, t.project.projectID, 'Deliveries');
    await createAgent(t.deps, t.project.projectID, { email: 'ann@example.com', fullName: 'Ann', password: PASSWORD, topicIds: [] });

    // The visitor, as OneTalk's clients call: the backend's ticket redeemed, then configs, topics, a case.
    const visitor = await signInVisitor(t, 'Vera');
    const configs = await visitorCall<{ tapTalk: { apiURL: string; appKeyID: string; appKeySecret: string } }>(t, undefined, 'client/project/get_configs');
    const topics = await visitorCall<{ topics: Array<{ id: number; name: string }> }>(t, undefined, 'client/topic/get_list');
    assert.ok(topics.data.topics.some((x) => x.id === topic.id));
    const opened = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID: topic.id, message: 'Where is my parcel?' });
    const id = opened.data.case.id;
    const roomID = `case:${id}`;
    const chatTicket = await visitorCall<{ ticket: string }>(t, visitor, 'client/taptalk/request_auth_ticket');

    // The visitor's chat: the unmodified web SDK, pointed where get_configs says.
    visitorPage = await newUserPage(browser, sdkPage.url);
    await installSdkRecorder(visitorPage);
    await sdkInit(visitorPage, configs.data.tapTalk.appKeyID, configs.data.tapTalk.appKeySecret, base);
    await waitForProjectConfigs(visitorPage);
    await runInPage(visitorPage, 'auth', (sdk, cb, ticket: string) => sdk.taptalk.authenticateWithAuthTicket(ticket, true, cb), chatTicket.data.ticket);
    await callbackReports(visitorPage, 'auth', 2);
    await runInPage(visitorPage, 'roomList', (sdk, cb) => sdk.tapCoreRoomListManager.getUpdatedRoomList(cb));
    await callbackSuccess(visitorPage, 'roomList');
    await runInPage(visitorPage, 'connect', (sdk, cb) => sdk.taptalk.connect(cb));
    await callbackSuccess(visitorPage, 'connect');

    // The agent at /inbox, in a context of their own; phone-sized.
    agent = await newUserPage(browser, `${base}/inbox`);
    await agent.setViewportSize({ width: 360, height: 740 });
    await agent.waitForSelector('#sign-in-form', { state: 'visible' });
    await agent.fill('#project', t.project.projectID);
    await agent.fill('#email', 'ann@example.com');
    await agent.fill('#password', PASSWORD);
    await agent.click('#sign-in-button');
    await agent.waitForSelector(`li[data-case-id="${id}"]`, { timeout: 15_000 });
    await untilText(agent, `li[data-case-id="${id}"]`, /Vera/);
    await untilText(agent, '#status', /live/);
    await agent.click(`li[data-case-id="${id}"]`);
    // Nobody was online when the case was opened; the page's socket brings Ann online and the case to her.
    await untilText(agent, '#case-state', /yours/);
    await untilText(agent, '#messages', /Where is my parcel\?/);
    // The visitor hears 3006 through the chat SDK.
    await untilRecorded(visitorPage, 'the visitor hears the agent join', (r) =>
      (r.newMessages as Msg[]).find((m) => m.room.roomID === roomID && m.type === 3006),
    );

    // Typing, from the visitor's SDK to the agent's page.
    await runInPage(visitorPage, 'typing', (sdk, _cb, room: string) => sdk.tapCoreChatRoomManager.sendStartTypingEmit(room), roomID);
    await untilText(agent, '#typing', /Vera is typing/);

    // The agent replies; the visitor's SDK receives it (decrypted by the SDK itself) and reads it.
    await agent.fill('#reply', 'On its way!');
    await agent.click('#reply-form button[type="submit"]');
    const reply = await untilRecorded(visitorPage, 'the visitor receives the reply', (r) =>
      (r.newMessages as Msg[]).find((m) => m.room.roomID === roomID && m.body === 'On its way!'),
    );
    assert.equal(reply.type, 1001);
    await untilText(agent, '#typing', /^$/);
    await runInPage(visitorPage, 'read', (sdk, _cb, messageID: string) => sdk.tapCoreMessageManager.markMessageAsRead([messageID]), reply.messageID);
    await untilText(agent, '#messages', /On its way!.*read/);

    // The agent closes; the visitor hears 3001 and 3003, rates; the company hears case_resolved.
    await agent.click('#close');
    await untilText(agent, '#case-state', /closed/);
    await untilRecorded(visitorPage, 'the visitor hears the close and the review request', (r) => {
      const types = (r.newMessages as Msg[]).filter((m) => m.room.roomID === roomID).map((m) => m.type);
      return types.includes(3001) && types.includes(3003);
    });
    const rated = await visitorCall(t, visitor, 'client/case/rate', { id, rating: 5, note: 'Quick and kind' });
    assert.equal(rated.status, 200, JSON.stringify(rated.error));
    const [hook] = await receiver.until((r) => r.length >= 1);
    const body = JSON.parse(hook?.body ?? '{}') as { type: string; caseResolved: { id: number; agentEmail: string; contact: { fullName: string } } };
    assert.deepEqual(
      [body.type, body.caseResolved.id, body.caseResolved.agentEmail, body.caseResolved.contact.fullName],
      ['case_resolved', id, 'ann@example.com', 'Vera'],
    );

    const active = await visitorPage.evaluate(() => (globalThis as SdkGlobal).TapTalkSDK.taptalk.getTaptalkActiveUser().fullname);
    assert.equal(active, 'Vera');
    for (const page of [agent, visitorPage]) assert.deepEqual(page.errors, [], `no console or page errors; console:\n${page.consoleLog.join('\n')}`);
  });
});
