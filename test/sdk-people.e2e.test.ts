// End to end through TapTalk's official, unmodified web SDK: scheduled messages, blocking, reports,
// contacts by phone, the bio, and the SDK's onError for a path Parley does not serve. Alice and Bob
// each run the SDK in an isolated browser context; everything is asserted through what each SDK
// reports to its callbacks and listeners. The same scenario runs on one in-process Parley on SQLite,
// and on two `parley serve` processes sharing PostgreSQL and Redis (Alice on node 1, Bob on node 2).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Ticketed } from './support/app.ts';
import { dialectAvailable } from './support/databases.ts';
import { BACKENDS, type Backend } from './support/e2e-backends.ts';
import {
  type SdkGlobal,
  type SdkPage,
  type SdkRecord,
  browserAvailable,
  callbackReports,
  callbackSuccess as success,
  installSdkRecorder,
  newUserPage,
  runInPage as run,
  sdkInit,
  sharedHarness,
  signInThroughSdk,
  untilRecorded,
} from './support/sdk-browser.ts';

/** A message as the SDK hands it to listeners and callbacks (body already decrypted). */
interface Msg {
  messageID: string;
  localID: string;
  body: string;
  room: { roomID: string };
  user: { userID: string };
}

/** What this suite records beyond the shared recorder: the events of its own listeners. */
interface PeopleRecord {
  scheduledNew: Array<{ localID: string; body: string; isScheduled: unknown }>;
  scheduleEvents: Array<{ roomID: string; timestamp: number }>;
  blocked: Array<{ userID: string }>;
  unblocked: Array<{ userID: string }>;
}

interface Person {
  name: string;
  base: string;
  userID: string;
  page: SdkPage;
}

const hasBrowser = browserAvailable();
const harness = sharedHarness();
const until = <T>(page: SdkPage, what: string, probe: (r: SdkRecord<Msg>) => T | undefined | false) => untilRecorded(page, what, probe);
/** This suite's own record, read from the page. */
const people = (page: SdkPage) => page.evaluate(() => (globalThis as unknown as { __people: PeopleRecord }).__people);

async function untilPeople<T>(page: SdkPage, what: string, probe: (r: PeopleRecord) => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = probe(await people(page));
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}\n${JSON.stringify(await people(page)).slice(0, 3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A ticket for a user with a phone (the shared helper sends none). */
async function ticketWithPhone(base: string, serverKeyHeader: string, fullName: string, xcUserID: string, phone: string): Promise<Ticketed> {
  const res = await fetch(`${base}/v1/server/auth_ticket/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'server-key': serverKeyHeader },
    body: JSON.stringify({ userIPAddress: '10.0.0.1', userAgent: 'e2e', userPlatform: 'web', userDeviceID: 'e2e', xcUserID, fullName, phone }),
  });
  const env = (await res.json()) as { status: number; data: Ticketed };
  assert.equal(env.status, 200);
  return env.data;
}

for (const backend of BACKENDS) {
  const skip = !hasBrowser ? 'chromium missing' : backend.needsPostgres && !(await dialectAvailable('postgres')) ? 'PostgreSQL unreachable' : false;
  describe(`people and scheduled messages through the web SDK [${backend.name}]`, { skip }, () => {
    let b: Backend;
    let browser: Browser;
    let pageUrl: string;
    let alice: Person;
    let bob: Person;
    let carolID = '';
    let roomID = '';
    const tag = `${Date.now()}-${randomBytes(3).toString('hex')}`;
    const pages: SdkPage[] = [];

    const assertNoPageErrors = () => {
      for (const page of pages) assert.deepEqual(page.errors, [], `no console or page errors; console:\n${page.consoleLog.join('\n')}`);
      assert.deepEqual(b.problems(), [], 'no server errors logged');
    };

    /** A fresh context: recorders, init, ticket (with a phone), authenticate, connect. */
    async function signIn(name: string, base: string, phone: string): Promise<Person> {
      const page = await newUserPage(browser, pageUrl);
      pages.push(page);
      await installSdkRecorder(page);
      await page.evaluate(() => {
        const g = globalThis as SdkGlobal & { __people: PeopleRecord };
        const rec: PeopleRecord = { scheduledNew: [], scheduleEvents: [], blocked: [], unblocked: [] };
        g.__people = rec;
        const copy = (v: unknown) => JSON.parse(JSON.stringify(v ?? null));
        // The SDK calls every method of every listener: each listener has all of its kind's methods.
        g.TapTalkSDK.tapCoreChatRoomManager.addMessageListener({
          onReceiveNewMessage: (m: { localID: string; body: string }, isScheduled: unknown) => {
            if (isScheduled !== undefined) rec.scheduledNew.push(copy({ localID: m.localID, body: m.body, isScheduled }));
          },
          onReceiveUpdateMessage: () => {},
        });
        g.TapTalkSDK.tapCoreChatRoomManager.addRoomStatusListener({
          onReceiveStartTyping: () => {},
          onReceiveStopTyping: () => {},
          onReceiveOnlineStatus: () => {},
          onReceiveScheduledMessage: (room: { roomID: string }, timestamp: number) => rec.scheduleEvents.push(copy({ roomID: room.roomID, timestamp })),
        });
        g.TapTalkSDK.tapCoreContactManager.addContactListener({
          onContactBlocked: (user: { userID: string }) => rec.blocked.push(copy({ userID: user.userID })),
          onContactUnblocked: (user: { userID: string }) => rec.unblocked.push(copy({ userID: user.userID })),
        });
      });
      const { userID, ticket } = await ticketWithPhone(base, b.serverKeyHeader, name, `${name.toLowerCase()}-${tag}`, phone);
      await signInThroughSdk(page, { appKeyID: b.appKey.id, appKeySecret: b.appKey.secret, base, ticket });
      return { name, base, userID, page };
    }

    before(async () => {
      b = await backend.start();
      const h = await harness();
      browser = h.browser;
      pageUrl = h.sdkPage.url;
    });

    after(async () => {
      for (const page of pages)
        await page
          .context()
          .close()
          .catch(() => {});
      await b?.close();
    });

    it('Alice and Bob sign in (with phones) and open their personal room', async () => {
      [alice, bob] = await Promise.all([signIn('Alice', b.base.alice, '+62 811-1000-0001'), signIn('Bob', b.base.bob, '+62 812-2000-0002')]);
      const carol = await ticketWithPhone(b.base.carol, b.serverKeyHeader, 'Carol', `carol-${tag}`, '+62 813-3000-0003');
      carolID = carol.userID;
      await run(
        alice.page,
        'openRoom',
        (sdk, cb, id: string, vars) =>
          sdk.tapCoreChatRoomManager.createRoomWithUserID(id, (r: { room: unknown }) => {
            vars.room = r.room;
            cb.onSuccess(r);
          }),
        bob.userID,
      );
      roomID = (await success(alice.page, 'openRoom'))[0].room.roomID;
      assert.equal(roomID, [Number(alice.userID), Number(bob.userID)].sort((x, y) => x - y).join('-'));
      assertNoPageErrors();
    });

    it('scheduled messages: create, fetch, edit time and content, send now, delete; room/scheduleMessage each time', async () => {
      const create = async (label: string, text: string, inMs: number) => {
        await run(
          alice.page,
          label,
          (sdk, cb, a: { text: string; at: number }, vars) => {
            const m = sdk.tapCoreMessageManager.constructTapTalkMessageModel(a.text, vars.room, 1001, '');
            vars[`${a.text}:localID`] = m.localID;
            sdk.tapCoreMessageManager.createScheduledMessage(m, a.at, cb);
          },
          { text, at: Date.now() + inMs },
        );
        const [created] = await success(alice.page, label);
        assert.equal(created.success, true);
        assert.equal(created.createdItem.message.room.roomID, roomID);
        return created.createdItem as { id: number; scheduledTime: number; message: { localID: string } };
      };
      const fetchList = async (label: string) => {
        await run(alice.page, label, (sdk, cb, id: string) => sdk.tapCoreMessageManager.fetchScheduledMessages(id, cb), roomID);
        const [items, byLocalID] = await success(alice.page, label);
        return { items: items as Array<{ id: number; scheduledTime: number }>, messages: Object.values(byLocalID ?? {}) as Array<Msg & { created: number }> };
      };

      const first = await create('create1', 'See you at 8 🕗', 3_600_000);
      await untilPeople(alice.page, 'Alice hears room/scheduleMessage', (r) => r.scheduleEvents.find((e) => e.roomID === roomID));
      const listed = await fetchList('fetch1');
      assert.deepEqual(
        listed.items.map((i) => i.id),
        [first.id],
      );
      assert.equal(listed.messages[0]?.body, 'See you at 8 🕗', 'decrypted by the SDK');
      assert.equal(String(listed.messages[0]?.messageID), String(first.id));

      const later = Date.now() + 7_200_000;
      await run(alice.page, 'editTime', (sdk, cb, a: { id: number; at: number }) => sdk.tapCoreMessageManager.editScheduledMessageTime(a.id, a.at, cb), {
        id: first.id,
        at: later,
      });
      assert.equal((await success(alice.page, 'editTime'))[0].success, true);
      await run(
        alice.page,
        'editContent',
        (sdk, cb, id: number, vars) =>
          sdk.tapCoreMessageManager.editScheduledMessageContent(
            id,
            sdk.tapCoreMessageManager.constructTapTalkMessageModel('See you at 9 🕘', vars.room, 1001, ''),
            cb,
          ),
        first.id,
      );
      assert.equal((await success(alice.page, 'editContent'))[0].success, true);
      const edited = await fetchList('fetch2');
      assert.deepEqual([edited.items[0]?.scheduledTime, edited.messages[0]?.body], [later, 'See you at 9 🕘']);

      await run(
        alice.page,
        'sendNow',
        (sdk, cb, a: { id: number; roomID: string }) => sdk.tapCoreMessageManager.sendScheduledMessageNow([a.id], a.roomID, cb),
        {
          id: first.id,
          roomID,
        },
      );
      assert.deepEqual((await success(alice.page, 'sendNow'))[0].ids, [first.id]);
      const now = await untilPeople(bob.page, 'Bob receives the message sent now', (r) => r.scheduledNew.find((m) => m.body === 'See you at 9 🕘'));
      assert.equal(now.isScheduled, true);

      const doomed = await create('create2', 'Never sent 🗑️', 3_600_000);
      await run(alice.page, 'delete', (sdk, cb, a: { id: number; roomID: string }) => sdk.tapCoreMessageManager.deleteScheduledMessage([a.id], a.roomID, cb), {
        id: doomed.id,
        roomID,
      });
      assert.deepEqual((await success(alice.page, 'delete'))[0].ids, [doomed.id]);
      assert.deepEqual((await fetchList('fetch3')).items, []);
      assertNoPageErrors();
    });

    it('a scheduled message is delivered when due, by the server, while Alice does nothing', async () => {
      const before = (await people(alice.page)).scheduleEvents.length;
      await run(
        alice.page,
        'createDue',
        (sdk, cb, at: number, vars) =>
          sdk.tapCoreMessageManager.createScheduledMessage(sdk.tapCoreMessageManager.constructTapTalkMessageModel('On time ⏰', vars.room, 1001, ''), at, cb),
        Date.now() + 2500,
      );
      const [{ createdItem }] = await success(alice.page, 'createDue');
      const got = await untilPeople(bob.page, 'Bob receives the due message', (r) => r.scheduledNew.find((m) => m.localID === createdItem.message.localID));
      assert.deepEqual([got.body, got.isScheduled], ['On time ⏰', true]);
      await until(alice.page, "Alice's SDK has it as sent", (r) => r.newMessages.find((m) => m.localID === createdItem.message.localID && m.messageID !== '0'));
      // Created, then sent: the list changed twice.
      await untilPeople(alice.page, 'Alice hears the list changed when it was sent', (r) => r.scheduleEvents.length >= before + 2);
      assertNoPageErrors();
    });

    it('block and unblock: the blocker’s devices hear it, the lists show it, the blocked user cannot write meanwhile', async () => {
      await run(alice.page, 'block', (sdk, cb, id: string) => sdk.tapCoreContactManager.blockUser(id, cb), bob.userID);
      const [blocked] = await success(alice.page, 'block');
      assert.deepEqual([blocked.success, blocked.user.userID], [true, bob.userID]);
      await untilPeople(alice.page, 'Alice hears user/block', (r) => r.blocked.find((u) => u.userID === bob.userID));
      await run(alice.page, 'blockedList', (sdk, cb) => sdk.tapCoreContactManager.getBlockedUserList(cb));
      assert.deepEqual(
        (await success(alice.page, 'blockedList'))[0].map((u: { userID: string }) => u.userID),
        [bob.userID],
      );
      await run(alice.page, 'blockedIDs', (sdk, cb) => sdk.tapCoreContactManager.getBlockedUserIDs(cb));
      assert.deepEqual((await success(alice.page, 'blockedIDs'))[0], [bob.userID]);

      // Bob (on the other node) writes: refused, never delivered.
      await run(
        bob.page,
        'openFromBob',
        (sdk, cb, id: string, vars) =>
          sdk.tapCoreChatRoomManager.createRoomWithUserID(id, (r: { room: unknown }) => {
            vars.room = r.room;
            cb.onSuccess(r);
          }),
        alice.userID,
      );
      await success(bob.page, 'openFromBob');
      await run(bob.page, 'refused', (sdk, cb, _a, vars) =>
        sdk.tapCoreMessageManager.sendTextMessage('Are you there?', vars.room, (m: unknown) => cb.onSuccess(m)),
      );
      const [refused] = (await success(bob.page, 'refused')) as [Msg];

      await run(alice.page, 'unblock', (sdk, cb, id: string) => sdk.tapCoreContactManager.unblockUser(id, cb), bob.userID);
      assert.equal((await success(alice.page, 'unblock'))[0].success, true);
      await untilPeople(alice.page, 'Alice hears user/unblock', (r) => r.unblocked.find((u) => u.userID === bob.userID));
      await run(alice.page, 'blockedIDs2', (sdk, cb) => sdk.tapCoreContactManager.getBlockedUserIDs(cb));
      assert.deepEqual((await success(alice.page, 'blockedIDs2'))[0], []);

      await run(bob.page, 'allowed', (sdk, cb, _a, vars) =>
        sdk.tapCoreMessageManager.sendTextMessage('Hello again', vars.room, (m: unknown) => cb.onSuccess(m)),
      );
      const [allowed] = (await success(bob.page, 'allowed')) as [Msg];
      const record = await until(alice.page, 'Alice receives the message sent after the unblock', (r) =>
        r.newMessages.some((m) => m.localID === allowed.localID) ? r : undefined,
      );
      assert.equal(
        record.newMessages.some((m) => m.localID === refused.localID),
        false,
        'the message written while blocked never arrived',
      );
      assertNoPageErrors();
    });

    it('reports of a user and of a message are accepted', async () => {
      const fromBob = await until(alice.page, 'a message from Bob', (r) => r.newMessages.find((m) => m.user.userID === bob.userID && m.messageID !== '0'));
      await run(alice.page, 'reportUser', (sdk, cb, id: string) => sdk.tapCoreContactManager.reportUser(id, 'Spam', false, 'Sends ads', cb), bob.userID);
      assert.deepEqual((await success(alice.page, 'reportUser'))[0], { success: true, message: 'Report submitted' });
      await run(
        alice.page,
        'reportMessage',
        (sdk, cb, a: { messageID: string; roomID: string }) => sdk.tapCoreContactManager.reportMessage(a.messageID, a.roomID, 'Other', true, 'Rude', cb),
        { messageID: fromBob.messageID, roomID },
      );
      assert.equal((await success(alice.page, 'reportMessage'))[0].success, true);
      await run(bob.page, 'reportSelf', (sdk, cb, id: string) => sdk.tapCoreContactManager.reportUser(id, 'Spam', false, '', cb), bob.userID);
      const [selfReport] = await callbackReports(bob.page, 'reportSelf');
      assert.deepEqual(selfReport, { kind: 'error', args: ['40002', 'You cannot report yourself'] });
      assertNoPageErrors();
    });

    it('contacts by phone number, and the bio', async () => {
      await run(alice.page, 'byPhone', (sdk, cb) => sdk.tapCoreContactManager.addToTapTalkContactsWithPhoneNumber(['0813 3000 0003', '+1 555 0100'], cb));
      const [found] = await success(alice.page, 'byPhone');
      assert.deepEqual(
        found.map((u: { userID: string }) => u.userID),
        [carolID],
      );
      await run(alice.page, 'contacts', (sdk, cb) => sdk.tapCoreContactManager.getAllUserContacts(cb));
      assert.ok((await success(alice.page, 'contacts'))[0].some((c: { user: { userID: string } }) => c.user.userID === carolID));

      await run(bob.page, 'bio', (sdk, cb) => sdk.taptalk.updateBio('Builder of things 🔨', cb));
      assert.deepEqual(await success(bob.page, 'bio'), ['Successfully update bio']);
      await run(alice.page, 'bobData', (sdk, cb, id: string) => sdk.tapCoreContactManager.getUserDataWithUserID(id, cb), bob.userID);
      assert.equal((await success(alice.page, 'bobData'))[0].user.bio, 'Builder of things 🔨', 'seen from the other node too');
      assertNoPageErrors();
    });

    it('a path Parley does not serve reaches the SDK’s onError (40400), not silence', async () => {
      // The SDK pointed at a base under which nothing is served: every path it calls is one Parley lacks.
      await sdkInit(bob.page, b.appKey.id, b.appKey.secret, `${bob.base}/v1/client/not-served`);
      await run(bob.page, 'notServed', (sdk, cb, id: string) => sdk.tapCoreContactManager.getUserDataWithUserID(id, cb), alice.userID);
      const [report] = await callbackReports(bob.page, 'notServed');
      assert.deepEqual(report, { kind: 'error', args: ['40400', 'Route not found'] });
      await sdkInit(bob.page, b.appKey.id, b.appKey.secret, bob.base);
      await run(bob.page, 'served', (sdk, cb, id: string) => sdk.tapCoreContactManager.getUserDataWithUserID(id, cb), alice.userID);
      assert.equal((await success(bob.page, 'served'))[0].user.userID, alice.userID);
      assertNoPageErrors();
    });
  });
}
