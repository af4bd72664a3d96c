// End to end through TapTalk's official, unmodified web SDK: room state (mute, pin, mark unread,
// clear chat, groups in common) and message features (stars, pins and their system messages,
// per-member receipts, shared content, delete for me). Alice runs the SDK on two devices (two
// isolated pages, each with its own ticket) and sees on the second what she did on the first; Bob
// and Carol complete a group of three. Everything is asserted through what each SDK reports to its
// callbacks and listeners. The same scenario runs on one in-process Parley on SQLite, and on two
// `parley serve` processes sharing PostgreSQL and Redis (Alice and Carol on node 1, Bob on node 2).
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
  sharedHarness,
  signInThroughSdk,
  untilRecorded,
} from './support/sdk-browser.ts';

/** A message as the SDK hands it to listeners and callbacks (body and data already decrypted). */
interface Msg {
  messageID: string;
  localID: string;
  body: string;
  type: number;
  action: string;
  // biome-ignore lint/suspicious/noExplicitAny: decrypted data is whatever the sender put there
  data: any;
  isDeleted: boolean;
  room: { roomID: string };
  user: { userID: string };
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
/** Rooms the page's room-list listener heard deleted (room/clearChat). */
const deletedRooms = (page: SdkPage) => page.evaluate(() => (globalThis as unknown as { __deletedRooms: string[] }).__deletedRooms);

async function ticket(base: string, serverKeyHeader: string, fullName: string, xcUserID: string): Promise<Ticketed> {
  const res = await fetch(`${base}/v1/server/auth_ticket/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'server-key': serverKeyHeader },
    body: JSON.stringify({ userIPAddress: '10.0.0.1', userAgent: 'e2e', userPlatform: 'web', userDeviceID: 'e2e', xcUserID, fullName }),
  });
  const env = (await res.json()) as { status: number; data: Ticketed };
  assert.equal(env.status, 200);
  return env.data;
}

/** Calls `label` again and again (label#n) until its success answer satisfies `probe`: for state another device or node sets. */
// biome-ignore lint/suspicious/noExplicitAny: SDK answers are read as the SDK hands them over
async function untilAnswer<T>(page: SdkPage, label: string, call: (n: number) => Promise<unknown>, probe: (args: any[]) => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (let n = 0; ; n++) {
    await call(n);
    const args = await success(page, `${label}#${n}`);
    const found = probe(args);
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}: last answer ${JSON.stringify(args).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const backend of BACKENDS) {
  const skip = !hasBrowser ? 'chromium missing' : backend.needsPostgres && !(await dialectAvailable('postgres')) ? 'PostgreSQL unreachable' : false;
  describe(`room state and message features through the web SDK [${backend.name}]`, { skip }, () => {
    let b: Backend;
    let browser: Browser;
    let pageUrl: string;
    let alice: Person;
    let alice2: Person;
    let bob: Person;
    let carol: Person;
    let direct = '';
    let group = '';
    const tag = `${Date.now()}-${randomBytes(3).toString('hex')}`;
    const pages: SdkPage[] = [];

    const assertNoPageErrors = () => {
      for (const page of pages) assert.deepEqual(page.errors, [], `no console or page errors; console:\n${page.consoleLog.join('\n')}`);
      assert.deepEqual(b.problems(), [], 'no server errors logged');
    };

    async function signIn(name: string, base: string): Promise<Person> {
      const page = await newUserPage(browser, pageUrl);
      pages.push(page);
      await installSdkRecorder(page);
      await page.evaluate(() => {
        const g = globalThis as SdkGlobal & { __deletedRooms: string[] };
        g.__deletedRooms = [];
        g.TapTalkSDK.tapCoreRoomListManager.addRoomListListener({ onChatRoomDeleted: (roomID: string) => g.__deletedRooms.push(roomID) });
      });
      const { userID, ticket: t } = await ticket(base, b.serverKeyHeader, name, `${name.toLowerCase()}-${tag}`);
      await signInThroughSdk(page, { appKeyID: b.appKey.id, appKeySecret: b.appKey.secret, base, ticket: t });
      return { name, base, userID, page };
    }

    /** Sends a text message from `who` in `roomVar` (a room kept in the page's vars); resolves once the sender has it stored. */
    async function sendText(who: Person, roomVar: string, text: string): Promise<Msg> {
      await run(
        who.page,
        `send:${text}`,
        (sdk, cb, a: { roomVar: string; text: string }, vars) =>
          sdk.tapCoreMessageManager.sendTextMessage(a.text, vars[a.roomVar], (m: unknown) => cb.onSuccess(m)),
        { roomVar, text },
      );
      const [sent] = (await success(who.page, `send:${text}`)) as [Msg];
      return until(who.page, `${who.name}'s "${text}" is stored`, (r) => r.newMessages.find((m) => m.localID === sent.localID && m.messageID !== '0'));
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

    it('Alice (two devices), Bob and Carol sign in; a personal room and a group of three', async () => {
      [alice, bob, carol] = await Promise.all([signIn('Alice', b.base.alice), signIn('Bob', b.base.bob), signIn('Carol', b.base.carol)]);
      alice2 = await signIn('Alice', b.base.bob);
      assert.equal(alice2.userID, alice.userID, 'the same user on a second device (on the other node)');
      await run(
        alice.page,
        'openDirect',
        (sdk, cb, id: string, vars) =>
          sdk.tapCoreChatRoomManager.createRoomWithUserID(id, (r: { room: unknown }) => {
            vars.direct = r.room;
            cb.onSuccess(r);
          }),
        bob.userID,
      );
      direct = (await success(alice.page, 'openDirect'))[0].room.roomID;
      await run(
        alice.page,
        'createGroup',
        (sdk, cb, ids: string[], vars) =>
          sdk.tapCoreChatRoomManager.createGroupChatRoom('Three', ids, {
            onSuccess: (room: unknown) => {
              vars.group = room;
              cb.onSuccess(room);
            },
            onError: cb.onError,
          }),
        [bob.userID, carol.userID],
      );
      group = (await success(alice.page, 'createGroup', 20_000))[0].roomID;
      for (const p of [bob, carol]) {
        const created = await until(p.page, `${p.name} hears of the group`, (r) =>
          r.newMessages.find((m) => m.room.roomID === group && m.action === 'room/create'),
        );
        await run(
          p.page,
          'keepGroup',
          (_sdk, cb, room: unknown, vars) => {
            vars.group = room;
            cb.onSuccess(room);
          },
          created.room,
        );
      }
      await sendText(alice, 'direct', 'Hi Bob 👋');
      await sendText(bob, 'group', 'Hello group');
      assertNoPageErrors();
    });

    it('mute with an expiry, then unmute: Alice’s other device sees both', async () => {
      const until_ = Date.now() + 3_600_000;
      await run(alice.page, 'mute', (sdk, cb, a: { roomID: string; at: number }) => sdk.tapCoreRoomListManager.setMutedRooms([a.roomID], a.at, cb), {
        roomID: direct,
        at: until_,
      });
      assert.deepEqual((await success(alice.page, 'mute'))[0].data, { mutedRoomIDs: [direct] });
      const muted = await untilAnswer(
        alice2.page,
        'muted',
        (n) => run(alice2.page, `muted#${n}`, (sdk, cb) => sdk.tapCoreRoomListManager.getMutedRooms(cb)),
        (args) => args[0][direct],
      );
      assert.deepEqual(muted, { roomID: direct, expiredAt: until_ });
      await run(alice.page, 'unmute', (sdk, cb, id: string) => sdk.tapCoreRoomListManager.unsetMutedRooms([id], cb), direct);
      assert.deepEqual((await success(alice.page, 'unmute'))[0].data, { unmutedRoomIDs: [direct] });
      await run(alice2.page, 'mutedAfter', (sdk, cb) => sdk.tapCoreRoomListManager.getMutedRooms(cb));
      assert.deepEqual((await success(alice2.page, 'mutedAfter'))[0], {});
      assertNoPageErrors();
    });

    it('pin and unpin a room: the SDK reorders its list, the other device reads the pin', async () => {
      await run(alice.page, 'pinRoom', (sdk, cb, id: string) => sdk.tapCoreRoomListManager.pinRoom([id], cb), direct);
      const [pinnedIDs] = await success(alice.page, 'pinRoom');
      assert.equal(pinnedIDs[direct], direct);
      await run(alice2.page, 'pinnedOn2', (sdk, cb) => sdk.tapCoreRoomListManager.getPinnedRoomID(cb));
      assert.equal((await success(alice2.page, 'pinnedOn2'))[0][direct], direct);
      await run(alice.page, 'unpinRoom', (sdk, cb, id: string) => sdk.tapCoreRoomListManager.unpinRoom([id], cb), direct);
      const [afterUnpin] = await success(alice.page, 'unpinRoom');
      assert.equal(afterUnpin[direct], undefined);
      assertNoPageErrors();
    });

    it('mark a room unread, and the groups Alice and Bob share', async () => {
      await run(alice.page, 'roomList2', (sdk, cb) => sdk.tapCoreRoomListManager.getUpdatedRoomList(cb));
      await success(alice.page, 'roomList2');
      await run(alice.page, 'markUnread', (sdk, cb, id: string) => sdk.tapCoreChatRoomManager.markChatRoomAsUnread([id], cb), group);
      assert.equal((await success(alice.page, 'markUnread'))[0][group].isMarkAsUnread, true);
      const unread = await untilAnswer(
        alice2.page,
        'unreadOn2',
        (n) => run(alice2.page, `unreadOn2#${n}`, (sdk, cb) => sdk.tapCoreChatRoomManager.getMarkedAsUnreadChatRoomList(cb)),
        (args) => (args[0].data.unreadRoomIDs.includes(group) ? args[0].data.unreadRoomIDs : undefined),
      );
      assert.ok(unread.includes(group));
      await run(alice.page, 'common', (sdk, cb, id: string) => sdk.tapCoreChatRoomManager.fetchGroupInCommon(id, cb), bob.userID);
      assert.deepEqual(
        (await success(alice.page, 'common'))[0].map((r: { roomID: string }) => r.roomID),
        [group],
      );
      assertNoPageErrors();
    });

    it('star and unstar: ids, the decrypted list', async () => {
      const hi = await until(bob.page, 'Bob has Alice’s message', (r) => r.newMessages.find((m) => m.body === 'Hi Bob 👋' && m.messageID !== '0'));
      await run(bob.page, 'star', (sdk, cb, a: { roomID: string; id: string }) => sdk.tapCoreMessageManager.starMessage(a.roomID, [a.id], cb), {
        roomID: direct,
        id: hi.messageID,
      });
      assert.deepEqual((await success(bob.page, 'star'))[0], { starredMessageIDs: [hi.messageID] });
      await run(bob.page, 'starIds', (sdk, cb, id: string) => sdk.tapCoreMessageManager.getStarredMessageIds(id, cb), direct);
      assert.deepEqual((await success(bob.page, 'starIds'))[0], { roomID: direct, messages: { [hi.messageID]: true } });
      await run(bob.page, 'starList', (sdk, cb, id: string) => sdk.tapCoreMessageManager.fetchStarredMessages(id, cb), direct);
      const [list] = await success(bob.page, 'starList');
      assert.deepEqual(
        list.messages.map((m: Msg) => [m.messageID, m.body]),
        [[hi.messageID, 'Hi Bob 👋']],
      );
      await run(bob.page, 'unstar', (sdk, cb, a: { roomID: string; id: string }) => sdk.tapCoreMessageManager.unstarMessage(a.roomID, [a.id], cb), {
        roomID: direct,
        id: hi.messageID,
      });
      assert.deepEqual((await success(bob.page, 'unstar'))[0], { unstarredMessageIDs: [hi.messageID] });
      await run(bob.page, 'starIds2', (sdk, cb, id: string) => sdk.tapCoreMessageManager.getStarredMessageIds(id, cb), direct);
      assert.deepEqual((await success(bob.page, 'starIds2'))[0].messages, {});
      assertNoPageErrors();
    });

    it('pin and unpin a message: every member’s SDK gets message/pin, the pinned list is decrypted', async () => {
      const hello = await until(carol.page, 'Carol has Bob’s message', (r) => r.newMessages.find((m) => m.body === 'Hello group' && m.messageID !== '0'));
      // Carol's SDK keeps pinned ids for the room once it asked: then it acts on message/pin itself.
      await run(carol.page, 'pinIds0', (sdk, cb, id: string) => sdk.tapCoreMessageManager.getPinnedMessageIds(id, cb), group);
      assert.deepEqual((await success(carol.page, 'pinIds0'))[0].messages, {});
      await run(alice.page, 'pin', (sdk, cb, a: { roomID: string; m: Msg }) => sdk.tapCoreMessageManager.pinMessage(a.roomID, [a.m], cb), {
        roomID: group,
        m: hello,
      });
      assert.deepEqual((await success(alice.page, 'pin'))[0], { pinnedMessageIDs: [hello.messageID] });
      for (const p of [bob, carol]) {
        const system = await until(p.page, `${p.name} gets message/pin`, (r) =>
          r.newMessages.find((m) => m.room.roomID === group && m.action === 'message/pin'),
        );
        assert.equal(system.data.messageID, hello.messageID);
        assert.equal(system.body, 'Alice pinned a message');
      }
      await run(carol.page, 'pinList', (sdk, cb, id: string) => sdk.tapCoreMessageManager.fetchPinnedMessages(id, cb), group);
      const [pinned] = await success(carol.page, 'pinList');
      assert.deepEqual(
        pinned.messages.map((m: Msg) => [m.messageID, m.body]),
        [[hello.messageID, 'Hello group']],
      );
      await run(bob.page, 'pinIds', (sdk, cb, id: string) => sdk.tapCoreMessageManager.getPinnedMessageIds(id, cb), group);
      assert.deepEqual((await success(bob.page, 'pinIds'))[0].messages, { [hello.messageID]: true });
      // An app that keeps the ids keeps the list too: the SDK's message/unpin handler updates both.
      await run(bob.page, 'pinListBob', (sdk, cb, id: string) => sdk.tapCoreMessageManager.fetchPinnedMessages(id, cb), group);
      assert.equal((await success(bob.page, 'pinListBob'))[0].totalItems, 1);
      await run(bob.page, 'unpin', (sdk, cb, a: { roomID: string; id: string }) => sdk.tapCoreMessageManager.unpinMessage(a.roomID, [a.id], false, cb), {
        roomID: group,
        id: hello.messageID,
      });
      assert.deepEqual((await success(bob.page, 'unpin'))[0], { unpinnedMessageIDs: [hello.messageID] });
      await until(carol.page, 'Carol gets message/unpin', (r) => r.newMessages.find((m) => m.room.roomID === group && m.action === 'message/unpin'));
      await run(carol.page, 'pinIds2', (sdk, cb, id: string) => sdk.tapCoreMessageManager.getPinnedMessageIds(id, cb), group);
      assert.deepEqual((await success(carol.page, 'pinIds2'))[0].messages, {});
      assertNoPageErrors();
    });

    it('message info in the group: Carol got it, Bob read it; the total read count', async () => {
      const sent = await sendText(alice, 'group', 'Who reads this? 👀');
      // Carol's and Bob's SDKs tell the server they got it; Bob then reads it.
      await until(carol.page, 'Carol has it', (r) => r.newMessages.find((m) => m.localID === sent.localID));
      await until(bob.page, 'Bob has it', (r) => r.newMessages.find((m) => m.localID === sent.localID));
      await run(bob.page, 'read', (sdk, _cb, id: string) => sdk.tapCoreMessageManager.markMessageAsRead([id]), sent.messageID);
      const count = await untilAnswer(
        alice.page,
        'totalRead',
        (n) => run(alice.page, `totalRead#${n}`, (sdk, cb, id: string) => sdk.tapCoreMessageManager.fetchTotalReadCount(id, cb), sent.messageID),
        (args) => (args[0] === 1 ? args[0] : undefined),
      );
      assert.equal(count, 1);
      const info = await untilAnswer(
        alice.page,
        'info',
        (n) => run(alice.page, `info#${n}`, (sdk, cb, id: string) => sdk.tapCoreMessageManager.fetchMessageInfo(id, cb), sent.messageID),
        (args) => (args[0].deliveredTo.length === 1 ? args[0] : undefined),
      );
      assert.equal(info.message.messageID, sent.messageID);
      assert.deepEqual(
        info.readBy.map((r: { userID: string }) => r.userID),
        [bob.userID],
      );
      assert.deepEqual(
        info.deliveredTo.map((r: { userID: string; fullname: string }) => [r.userID, r.fullname]),
        [[carol.userID, 'Carol']],
      );
      // Carol reads everything of the room at once; the count the SDK caches then follows.
      await run(carol.page, 'readAll', (sdk, _cb, id: string) => sdk.tapCoreMessageManager.markAllMessagesInRoomAsRead(id), group);
      await untilAnswer(
        alice.page,
        'totalRead2',
        (n) => run(alice.page, `totalRead2#${n}`, (sdk, cb, id: string) => sdk.tapCoreMessageManager.fetchTotalReadCount(id, cb), sent.messageID),
        (args) => args[0] === 2,
      );
      await run(alice.page, 'cachedCount', (sdk, cb, id: string) => sdk.tapCoreMessageManager.getTotalReadCount(id, cb), sent.messageID);
      assert.deepEqual(await callbackReports(alice.page, 'cachedCount', 2), [
        { kind: 'success', args: [2] },
        { kind: 'success', args: [2] },
      ]);
      assertNoPageErrors();
    });

    it('shared content: media, files and links; an image deleted for Bob only is gone for him alone', async () => {
      const custom = async (label: string, type: number, data: Record<string, unknown>) => {
        await run(
          alice.page,
          label,
          (sdk, cb, a: { type: number; data: Record<string, unknown> }, vars) =>
            sdk.tapCoreMessageManager.sendCustomMessage(sdk.tapCoreMessageManager.constructTapTalkMessageModel('', vars.group, a.type, a.data), (m: unknown) =>
              cb.onSuccess(m),
            ),
          { type, data },
        );
        const [m] = (await success(alice.page, label)) as [Msg];
        return until(alice.page, `${label} stored`, (r) => r.newMessages.find((x) => x.localID === m.localID && x.messageID !== '0'));
      };
      const image = await custom('image', 1002, { fileID: 'img-1', caption: 'sunset', mediaType: 'image/jpeg' });
      const file = await custom('file', 1004, { fileID: 'file-1', fileName: 'notes.pdf', mediaType: 'application/pdf' });
      await run(alice.page, 'link', (sdk, cb, _a, vars) =>
        sdk.tapCoreMessageManager.sendLinkMessage('see https://example.com', vars.group, (m: unknown) => cb.onSuccess(m), ['https://example.com'], 'Example'),
      );
      const [linkSent] = (await success(alice.page, 'link')) as [Msg];
      const link = await until(alice.page, 'link stored', (r) => r.newMessages.find((x) => x.localID === linkSent.localID && x.messageID !== '0'));

      const shared = async (p: Person, label: string) => {
        await run(p.page, label, (sdk, cb, id: string) => sdk.tapCoreMessageManager.fetchSharedContentMessages(id, 0, 0, 'DESC', cb), group);
        const [media, files, links] = await success(p.page, label);
        return { media: media as Msg[], files: files as Msg[], links: links as Msg[] };
      };
      const forBob = await shared(bob, 'shared');
      assert.deepEqual(
        forBob.media.map((m) => [m.messageID, m.data.caption]),
        [[image.messageID, 'sunset']],
      );
      assert.deepEqual(
        forBob.files.map((m) => [m.messageID, m.data.fileName]),
        [[file.messageID, 'notes.pdf']],
      );
      assert.deepEqual(
        forBob.links.map((m) => [m.messageID, m.data.url]),
        [[link.messageID, 'https://example.com']],
      );
      await run(carol.page, 'media', (sdk, cb, id: string) => sdk.tapCoreChatRoomManager.getRoomMedia(id, cb, 0), group);
      assert.equal((await success(carol.page, 'media'))[0].media.length, 1);

      await until(bob.page, 'Bob has the image', (r) => r.newMessages.find((m) => m.localID === image.localID));
      await run(
        bob.page,
        'deleteForMe',
        (sdk, _cb, a: { roomID: string; id: string }) => sdk.tapCoreMessageManager.markMessageAsDeleted(a.roomID, [a.id], false),
        {
          roomID: group,
          id: image.messageID,
        },
      );
      await until(bob.page, 'Bob’s SDK hears it deleted', (r) => r.updates.find((m) => m.messageID === image.messageID && m.isDeleted));
      assert.deepEqual((await shared(bob, 'shared2')).media, []);
      assert.equal((await shared(carol, 'shared3')).media.length, 1, 'Carol still has it');
      assertNoPageErrors();
    });

    it('clear chat: the SDK drops the room, Alice’s other device is told', async () => {
      await run(alice.page, 'clear', (sdk, cb, id: string) => sdk.tapCoreChatRoomManager.deleteAllChatRoomMessages([id], cb), direct);
      assert.deepEqual((await success(alice.page, 'clear'))[0], [direct]);
      const deadline = Date.now() + 15_000;
      while (!(await deletedRooms(alice2.page)).includes(direct)) {
        if (Date.now() > deadline) throw new Error('Alice’s second device never heard room/clearChat');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await run(alice2.page, 'history', (sdk, cb, id: string) => sdk.tapCoreMessageManager.getOlderMessagesBeforeTimestamp(id, 50, cb), direct);
      assert.deepEqual((await success(alice2.page, 'history'))[0], {}, 'nothing from before the clear');
      assert.ok(!(await deletedRooms(bob.page)).includes(direct), 'Bob keeps his chat');
      assertNoPageErrors();
    });
  });
}
