// End-to-end chat through TapTalk's official, unmodified web SDK: Alice and Bob each run the SDK in
// their own isolated browser context and everything is asserted through what each SDK reports to
// its own callbacks and listeners (recorded in the page, read back here). The same scenario runs on
// one in-process Parley on SQLite, and on two `parley serve` processes sharing PostgreSQL and Redis
// with Alice's SDK on the first and Bob's on the second, so every event crosses the broker.
//
// The scenario: sign in and connect; a personal message with its echo, delivery and read receipts
// and per-viewer room name; typing; the room list's unread count; edit and delete; Bob reopening the
// app on a fresh ticket and finding the whole history; a group's whole life (create, rename, add,
// remove, promote, demote, a message, leave).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { loginUserAt, requestTicketAt } from './support/chat.ts';
import { dialectAvailable } from './support/databases.ts';
import {
  type SdkGlobal,
  type SdkPage,
  type SdkRecord,
  browserAvailable,
  callbackSuccess as success,
  installSdkRecorder,
  sharedHarness,
  signInThroughSdk,
  newUserPage,
  readSdkRecord,
  runInPage as run,
  untilRecorded,
} from './support/sdk-browser.ts';
import { BACKENDS, type Backend } from './support/e2e-backends.ts';

// ---------------------------------------------------------------------------------------------
// The scenario

/** A message as the SDK hands it to listeners and callbacks (body already decrypted). */
interface Msg {
  messageID: string;
  localID: string;
  type: number;
  body: string;
  action: string;
  room: { roomID: string; name: string; type: number; admins?: string[] };
  user: { userID: string; fullname: string };
  target: { targetID: string };
  isSending: boolean;
  isDelivered: boolean;
  isRead: boolean;
  isDeleted: boolean;
  isMessageEdited?: boolean;
  created: number;
}

/** Waits on what the page's SDK reported (its messages typed as `Msg`). */
const until = <T>(page: SdkPage, what: string, probe: (r: SdkRecord<Msg>) => T | undefined | false) => untilRecorded(page, what, probe);

interface Person {
  name: 'Alice' | 'Bob';
  base: string;
  xcUserID: string;
  userID: string;
  page: SdkPage;
}

const hasBrowser = browserAvailable();
const harness = sharedHarness();

const FIRST_TEXT = 'Hi Bob — ünïcødé 👋🏽';
const EDITED_TEXT = 'Hi Bob — edited ✏️';
const DOOMED_TEXT = 'This one will vanish 🫥';
const LAST_TEXT = 'Still there, Bob? 🙂';
const GROUP_NAME = 'Book club';
const GROUP_RENAMED = 'Book club 📚';
const GROUP_TEXT = 'Hello group 👋 — from Bob';

for (const backend of BACKENDS) {
  const skip = !hasBrowser ? 'chromium missing' : backend.needsPostgres && !(await dialectAvailable('postgres')) ? 'PostgreSQL unreachable' : false;
  describe(`chat through the web SDK end to end [${backend.name}]`, { skip }, () => {
    let b: Backend;
    let browser: Browser;
    let pageUrl: string;
    let alice: Person;
    let bob: Person;
    let carolID: string;
    const pages: SdkPage[] = [];
    let personalRoomID = '';
    const sent: Record<'first' | 'doomed' | 'last', Msg> = {} as never;
    let groupID = '';

    const assertNoPageErrors = () => {
      for (const page of pages) assert.deepEqual(page.errors, [], `no console or page errors; console:\n${page.consoleLog.join('\n')}`);
      assert.deepEqual(b.problems(), [], 'no server errors logged');
    };

    /** A fresh context for `name`: recorder, init, ticket, authenticate, room list, connect. */
    async function signIn(
      name: Person['name'],
      base: string,
      xcUserID: string,
    ): Promise<{ person: Person; roomList: Record<string, { lastMessage: Msg; unreadCount: number }> }> {
      const page = await newUserPage(browser, pageUrl);
      pages.push(page);
      await installSdkRecorder(page);
      const { userID, ticket } = await requestTicketAt(base, b.serverKeyHeader, name, xcUserID);
      const roomList = (await signInThroughSdk(page, { appKeyID: b.appKey.id, appKeySecret: b.appKey.secret, base, ticket })) as Record<
        string,
        { lastMessage: Msg; unreadCount: number }
      >;
      const active = await page.evaluate(() => (globalThis as SdkGlobal).TapTalkSDK.taptalk.getTaptalkActiveUser());
      assert.equal(active.userID, userID);
      assert.equal(active.fullname, name);
      return { person: { name, base, xcUserID, userID, page }, roomList };
    }

    /** Alice sends `text` to the personal room; resolves to her SDK's echo (the sent state). */
    async function aliceSends(label: string, text: string): Promise<Msg> {
      await run(
        alice.page,
        label,
        (sdk, cb, t: string, vars) => sdk.tapCoreMessageManager.sendTextMessage(t, vars.personalRoom, (m: unknown) => cb.onSuccess(m)),
        text,
      );
      const [local] = (await success(alice.page, label)) as [Msg];
      assert.equal(local.messageID, '0', 'the local copy is pending');
      assert.equal(local.isSending, true);
      assert.equal(local.body, text);
      return until(alice.page, `Alice's SDK sees "${text}" sent`, (r) =>
        r.newMessages.find((m) => m.localID === local.localID && m.messageID !== '0' && m.isSending === false),
      );
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

    it('both init, authenticate with tickets, load the (empty) room list and connect', async () => {
      const tag = `${Date.now()}-${randomBytes(3).toString('hex')}`;
      const [a, bb] = await Promise.all([signIn('Alice', b.base.alice, `alice-${tag}`), signIn('Bob', b.base.bob, `bob-${tag}`)]);
      alice = a.person;
      bob = bb.person;
      assert.deepEqual(a.roomList, {});
      assert.deepEqual(bb.roomList, {});
      const carol = await loginUserAt(b.base.carol, { serverKeyHeader: b.serverKeyHeader, appKeyHeader: b.appKey.header }, 'Carol', `carol-${tag}`);
      carolID = carol.userID;
      assertNoPageErrors();
    });

    it('Alice opens the personal room and sends: echo, delivery to Bob named "Alice", delivered receipt', async () => {
      await run(
        alice.page,
        'openRoom',
        (sdk, cb, id: string, vars) =>
          sdk.tapCoreChatRoomManager.createRoomWithUserID(id, (r: { room: unknown }) => {
            vars.personalRoom = r.room;
            cb.onSuccess(r);
          }),
        bob.userID,
      );
      const [opened] = await success(alice.page, 'openRoom');
      const expectedRoomID = [Number(alice.userID), Number(bob.userID)].sort((x, y) => x - y).join('-');
      assert.equal(opened.success, true);
      assert.equal(opened.room.roomID, expectedRoomID);
      assert.equal(opened.room.name, 'Bob');
      personalRoomID = expectedRoomID;

      const echo = await aliceSends('send1', FIRST_TEXT);
      sent.first = echo;
      assert.match(echo.messageID, /^[1-9][0-9]*$/);
      assert.equal(echo.body, FIRST_TEXT);
      assert.equal(echo.room.name, 'Bob', "Alice's copy is named after Bob");
      assert.equal(echo.user.userID, alice.userID);

      const got = await until(bob.page, 'Bob receives the message', (r) => r.newMessages.find((m) => m.localID === echo.localID));
      assert.equal(got.messageID, echo.messageID);
      assert.equal(got.body, FIRST_TEXT, 'decrypted by the SDK');
      assert.equal(got.room.roomID, personalRoomID);
      assert.equal(got.room.name, 'Alice', "Bob's copy is named after Alice");
      assert.equal(got.user.userID, alice.userID);
      assert.equal(got.isSending, false);

      // Bob's SDK marks it delivered by itself; Alice's SDK hears of it.
      const delivered = await until(alice.page, 'Alice sees it delivered', (r) => r.updates.find((m) => m.localID === echo.localID && m.isDelivered));
      assert.equal(delivered.isRead, false);
      assert.equal(delivered.body, FIRST_TEXT);
      assertNoPageErrors();
    });

    it('typing: Bob starts and stops typing, Alice is told with Bob as the user', async () => {
      await run(bob.page, 'typing', (sdk, _cb, roomID: string) => sdk.tapCoreChatRoomManager.sendStartTypingEmit(roomID), personalRoomID);
      const start = await until(alice.page, 'Alice sees Bob typing', (r) => r.startTyping[0]);
      assert.equal(start.roomID, personalRoomID);
      assert.equal(start.user.userID, bob.userID);
      assert.equal(start.user.fullname, 'Bob');
      await run(bob.page, 'typing', (sdk, _cb, roomID: string) => sdk.tapCoreChatRoomManager.sendStopTypingEmit(roomID), personalRoomID);
      const stop = await until(alice.page, 'Alice sees Bob stop typing', (r) => r.stopTyping[0]);
      assert.deepEqual([stop.roomID, stop.user.userID], [personalRoomID, bob.userID]);
      const own = await readSdkRecord(bob.page);
      assert.deepEqual([own.startTyping, own.stopTyping], [[], []], 'Bob is not told of his own typing');
      assertNoPageErrors();
    });

    it("Bob's room list shows the message unread; marking all read tells Alice and clears the count", async () => {
      await run(bob.page, 'roomList2', (sdk, cb) => sdk.tapCoreRoomListManager.getUpdatedRoomList(cb));
      const [list] = await success(bob.page, 'roomList2');
      assert.deepEqual(Object.keys(list), [personalRoomID]);
      const entry = list[personalRoomID];
      assert.equal(entry.unreadCount, 1);
      assert.equal(entry.lastMessage.localID, sent.first.localID);
      assert.equal(entry.lastMessage.body, FIRST_TEXT);
      assert.equal(entry.lastMessage.room.name, 'Alice');

      await run(bob.page, 'read', (sdk, _cb, roomID: string) => sdk.tapCoreMessageManager.markAllMessagesInRoomAsRead(roomID), personalRoomID);
      const read = await until(alice.page, 'Alice sees it read', (r) => r.updates.find((m) => m.localID === sent.first.localID && m.isRead));
      assert.equal(read.isDelivered, true);
      await until(bob.page, "Bob's SDK hears of his own read", (r) => r.updates.some((m) => m.localID === sent.first.localID && m.isRead));
      await run(bob.page, 'roomList3', (sdk, cb) => sdk.tapCoreRoomListManager.getUpdatedRoomList(cb));
      const [after] = await success(bob.page, 'roomList3');
      assert.equal(after[personalRoomID].unreadCount, 0);
      assertNoPageErrors();
    });

    it('Alice edits her message and deletes another one for everyone; Bob sees both', async () => {
      await run(
        alice.page,
        'edit',
        (sdk, cb, a: { roomID: string; localID: string; text: string }) => {
          const cached = sdk.tapCoreChatRoomManager.getAllRooms()[a.roomID].messages[a.localID];
          sdk.tapCoreMessageManager.sendEmitWithEditedMessage(cached, a.text, (m: unknown) => cb.onSuccess(m));
        },
        { roomID: personalRoomID, localID: sent.first.localID, text: EDITED_TEXT },
      );
      const [local] = await success(alice.page, 'edit');
      assert.equal(local.body, EDITED_TEXT);
      const edited = await until(bob.page, 'Bob sees the edit', (r) => r.updates.find((m) => m.localID === sent.first.localID && m.isMessageEdited));
      assert.equal(edited.body, EDITED_TEXT);
      assert.equal(edited.messageID, sent.first.messageID);
      assert.equal(edited.isRead, true, 'an edit keeps the read state');

      const doomed = await aliceSends('send2', DOOMED_TEXT);
      sent.doomed = doomed;
      await until(bob.page, 'Bob receives the doomed message', (r) => r.newMessages.some((m) => m.localID === doomed.localID));
      await run(
        alice.page,
        'delete',
        (sdk, _cb, a: { roomID: string; messageID: string }) => sdk.tapCoreMessageManager.markMessageAsDeleted(a.roomID, [a.messageID], true),
        { roomID: personalRoomID, messageID: doomed.messageID },
      );
      const gone = await until(bob.page, 'Bob sees the deletion', (r) => r.updates.find((m) => m.localID === doomed.localID && m.isDeleted));
      assert.equal(gone.messageID, doomed.messageID);
      await until(alice.page, 'Alice sees her deletion', (r) => r.updates.some((m) => m.localID === doomed.localID && m.isDeleted));

      sent.last = await aliceSends('send3', LAST_TEXT);
      await until(bob.page, 'Bob receives the last message', (r) => r.newMessages.some((m) => m.localID === sent.last.localID));
      assertNoPageErrors();
    });

    it('Bob reopens the app on a new ticket: room list and history hold everything', async () => {
      assert.deepEqual(bob.page.errors, []);
      await bob.page.context().close();
      pages.splice(pages.indexOf(bob.page), 1);

      const { person, roomList } = await signIn('Bob', bob.base, bob.xcUserID);
      assert.equal(person.userID, bob.userID, 'the same user');
      bob = person;
      assert.deepEqual(Object.keys(roomList), [personalRoomID]);
      const entry = roomList[personalRoomID] as { lastMessage: Msg; unreadCount: number };
      assert.equal(entry.lastMessage.localID, sent.last.localID);
      assert.equal(entry.lastMessage.body, LAST_TEXT);
      assert.equal(entry.lastMessage.room.name, 'Alice');
      assert.equal(entry.unreadCount, 1, 'only the last message is unread: the first was read, the deleted one does not count');

      await run(bob.page, 'history', (sdk, cb, roomID: string) => sdk.tapCoreMessageManager.getOlderMessagesBeforeTimestamp(roomID, 50, cb), personalRoomID);
      const [messages, hasMore] = (await success(bob.page, 'history')) as [Record<string, Msg>, boolean];
      assert.equal(hasMore, false);
      const history = Object.values(messages);
      assert.deepEqual(
        history.map((m) => m.localID),
        [sent.last.localID, sent.doomed.localID, sent.first.localID],
        'newest first, each message once',
      );
      const [last, doomed, first] = history as [Msg, Msg, Msg];
      assert.deepEqual([first.body, first.isMessageEdited, first.isRead, first.isDeleted], [EDITED_TEXT, true, true, false]);
      assert.deepEqual([doomed.isDeleted, doomed.messageID], [true, sent.doomed.messageID]);
      assert.deepEqual([last.body, last.isRead, last.isDelivered, last.isDeleted], [LAST_TEXT, false, true, false]);
      for (const m of history) {
        assert.equal(m.room.name, 'Alice');
        assert.equal(m.user.userID, alice.userID);
      }
      assertNoPageErrors();
    });

    it("a group's life: create, rename, add and remove Carol, promote and demote Bob, Bob writes, Bob leaves", async () => {
      const systemTo = (page: SdkPage, action: string, extra: (m: Msg) => boolean = () => true) =>
        until(page, `a ${action} system message arrives`, (r) =>
          r.newMessages.find((m) => m.type === 9001 && m.action === action && m.room.roomID === groupID && extra(m)),
        );
      const details = async (page: SdkPage, label: string) => {
        await run(page, label, (sdk, cb, id: string) => sdk.tapCoreChatRoomManager.getGroupChatRoom(id, cb), groupID);
        const [data] = await success(page, label);
        return data as { room: Msg['room']; participants: Array<{ userID: string }>; adminUserIDs: string[] };
      };
      const ids = (list: Array<{ userID: string }>) => list.map((u) => u.userID).sort();
      const sorted = (...list: string[]) => [...list].sort();

      await run(alice.page, 'create', (sdk, cb, a: { name: string; users: string[] }) => sdk.tapCoreChatRoomManager.createGroupChatRoom(a.name, a.users, cb), {
        name: GROUP_NAME,
        users: [bob.userID],
      });
      const [created] = await success(alice.page, 'create');
      assert.equal(created.name, GROUP_NAME);
      assert.equal(created.type, 2);
      assert.doesNotMatch(created.roomID, /-/);
      groupID = created.roomID;
      const hello = await systemTo(bob.page, 'room/create');
      assert.equal(hello.room.name, GROUP_NAME);
      assert.equal(hello.user.userID, alice.userID);

      await run(alice.page, 'rename', (sdk, cb, a: { id: string; name: string }) => sdk.tapCoreChatRoomManager.updateGroupChatRoomDetails(a.id, a.name, cb), {
        id: groupID,
        name: GROUP_RENAMED,
      });
      assert.equal((await success(alice.page, 'rename'))[0].name, GROUP_RENAMED);
      assert.equal((await systemTo(bob.page, 'room/update')).room.name, GROUP_RENAMED);

      await run(alice.page, 'add', (sdk, cb, a: { id: string; users: string[] }) => sdk.tapCoreChatRoomManager.addGroupChatMembers(a.id, a.users, cb), {
        id: groupID,
        users: [carolID],
      });
      assert.equal((await success(alice.page, 'add'))[0].roomID, groupID);
      await systemTo(bob.page, 'room/addParticipant', (m) => m.target.targetID === carolID);
      assert.deepEqual(ids((await details(alice.page, 'details1')).participants), sorted(alice.userID, bob.userID, carolID));

      await run(alice.page, 'remove', (sdk, cb, a: { id: string; users: string[] }) => sdk.tapCoreChatRoomManager.removeGroupChatMembers(a.id, a.users, cb), {
        id: groupID,
        users: [carolID],
      });
      assert.equal((await success(alice.page, 'remove'))[0].roomID, groupID);
      await systemTo(bob.page, 'room/removeParticipant', (m) => m.target.targetID === carolID);
      assert.deepEqual(ids((await details(alice.page, 'details2')).participants), sorted(alice.userID, bob.userID));

      await run(alice.page, 'promote', (sdk, cb, a: { id: string; users: string[] }) => sdk.tapCoreChatRoomManager.promoteGroupAdmins(a.id, a.users, cb), {
        id: groupID,
        users: [bob.userID],
      });
      assert.deepEqual([...((await success(alice.page, 'promote'))[0].admins as string[])].sort(), sorted(alice.userID, bob.userID));
      await systemTo(bob.page, 'room/promoteAdmin', (m) => m.target.targetID === bob.userID);
      assert.deepEqual([...(await details(bob.page, 'details3')).adminUserIDs].sort(), sorted(alice.userID, bob.userID), "Bob's SDK sees himself admin");

      await run(alice.page, 'demote', (sdk, cb, a: { id: string; users: string[] }) => sdk.tapCoreChatRoomManager.demoteGroupAdmins(a.id, a.users, cb), {
        id: groupID,
        users: [bob.userID],
      });
      assert.deepEqual((await success(alice.page, 'demote'))[0].admins, [alice.userID]);
      await systemTo(bob.page, 'room/demoteAdmin', (m) => m.target.targetID === bob.userID);

      // Bob writes to the group, with the room object his SDK got from room/get.
      const room = await details(bob.page, 'details4');
      assert.deepEqual(room.adminUserIDs, [alice.userID]);
      assert.equal(room.room.name, GROUP_RENAMED);
      await run(
        bob.page,
        'groupSend',
        (sdk, cb, a: { room: unknown; text: string }) => sdk.tapCoreMessageManager.sendTextMessage(a.text, a.room, (m: unknown) => cb.onSuccess(m)),
        {
          room: room.room,
          text: GROUP_TEXT,
        },
      );
      const [local] = (await success(bob.page, 'groupSend')) as [Msg];
      const got = await until(alice.page, "Alice receives Bob's group message", (r) => r.newMessages.find((m) => m.localID === local.localID));
      assert.equal(got.body, GROUP_TEXT);
      assert.equal(got.user.userID, bob.userID);
      assert.deepEqual([got.room.roomID, got.room.name, got.room.type], [groupID, GROUP_RENAMED, 2], 'named after the group for everyone');
      await until(bob.page, "Bob's SDK sees his group message sent", (r) => r.newMessages.some((m) => m.localID === local.localID && m.messageID !== '0'));

      await run(bob.page, 'leave', (sdk, cb, id: string) => sdk.tapCoreChatRoomManager.leaveGroupChatRoom(id, cb), groupID);
      const [ok] = await success(bob.page, 'leave');
      assert.equal(ok, true);
      const left = await systemTo(alice.page, 'room/leave');
      assert.equal(left.user.userID, bob.userID);
      await systemTo(bob.page, 'room/leave');
      const bobRooms = await bob.page.evaluate(() => Object.keys((globalThis as SdkGlobal).TapTalkSDK.tapCoreChatRoomManager.getAllRooms()));
      assert.ok(!bobRooms.includes(groupID), "the group is gone from Bob's SDK after he left");
      assert.ok(bobRooms.includes(personalRoomID));
      assert.deepEqual(ids((await details(alice.page, 'details5')).participants), [alice.userID]);
      assertNoPageErrors();
    });
  });
}
