// Message features (chat/message/star, unstar, get_starred_*, pin, unpin, get_pinned_*, get_details,
// get_total_read, chat/room/get_shared_content): each answer and refusal, the message/pin system
// messages the SDKs rebuild the pinned message from, and per-member receipts in a group of three
// (who got it, who read it, each member's own unread state), on each database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decryptContent, encryptContent } from '../src/chat/cipher.ts';
import type { Envelope, TestApp } from './support/app.ts';
import { createTestApp } from './support/app.ts';
import { type ChatUser, ChatSocket, type SocketEvent, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

function refused(res: Envelope, status: number, code: string, field?: string): void {
  assert.equal(res.status, status, JSON.stringify(res));
  assert.equal(res.error.code, code, JSON.stringify(res));
  if (field !== undefined) assert.equal(res.error.field, field, JSON.stringify(res));
  assert.deepEqual(res.data, {});
}

// biome-ignore lint/suspicious/noExplicitAny: answers are read as the SDKs read them
function succeeded<T = any>(res: Envelope): T {
  assert.equal(res.status, 200, JSON.stringify(res.error));
  assert.equal(res.error.code, '');
  return res.data as T;
}

const isSystem = (roomID: string, action: string) => (e: SocketEvent) =>
  e.eventName === 'chat/sendMessage' && e.data.type === 9001 && e.data.room.roomID === roomID && e.data.action === action;

await eachDialect(describe, 'message features', (dialect) => {
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let bob: ChatUser;
  let carol: ChatUser;
  let dave: ChatUser;
  let group: string;
  const sockets = new Map<ChatUser, ChatSocket>();
  const ws = (u: ChatUser) => sockets.get(u) as ChatSocket;
  const chat = (u: ChatUser, path: string, body: unknown = '""') => clientCall(t, u, `/v1/chat/${path}`, body);

  /** Sends a message over the sender's socket; resolves with its echo. */
  async function send(from: ChatUser, roomID: string, text: string, type = 1001, data?: Record<string, unknown>): Promise<SocketEvent> {
    const out = outgoingMessage(roomID, from, text, { type });
    if (data !== undefined) out.data = encryptContent(JSON.stringify(data), out.localID);
    const mark = ws(from).events.length;
    ws(from).emit('chat/sendMessage', out);
    return ws(from).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID, 5000, mark);
  }

  before(async () => {
    t = await createTestApp(dialect);
    base = await listen(t);
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
    carol = await loginUser(t, 'Carol');
    dave = await loginUser(t, 'Dave');
    for (const u of [alice, bob, carol, dave]) sockets.set(u, await ChatSocket.open(socketUrl(base, t.project.appKey.header, u.accessToken)));
    const created = succeeded(await clientCall(t, alice, '/v1/client/room/create', { name: 'Three', type: 2, userIDs: [bob.userID, carol.userID] }));
    group = created.room.roomID;
  });
  after(async () => {
    for (const s of sockets.values()) assert.deepEqual(s.problems, []);
    for (const s of sockets.values()) await s.close();
    await t.close();
  });

  describe('stars', () => {
    it('are refused for a room one is not in, unknown or foreign messages and bad ids, with the field', async () => {
      const m = (await send(alice, group, 'star me')).data.messageID;
      const elsewhere = (await send(dave, personalRoom(dave, bob), 'not yours')).data.messageID;
      refused(await chat(dave, 'message/star', { roomID: group, messageIDs: [m] }), 403, '40301', 'roomID');
      refused(await chat(alice, 'message/star', { roomID: 'nosuchroom', messageIDs: [m] }), 404, '40402', 'roomID');
      refused(await chat(alice, 'message/star', { roomID: group, messageIDs: [elsewhere] }), 404, '40403', 'messageIDs');
      refused(await chat(alice, 'message/star', { roomID: group, messageIDs: ['999999999'] }), 404, '40403', 'messageIDs');
      refused(await chat(alice, 'message/star', { roomID: group, messageIDs: 'x' }), 400, '40002', 'messageIDs');
      refused(await chat(alice, 'message/star', { roomID: group, messageIDs: [] }), 400, '40002', 'messageIDs');
      refused(await chat(alice, 'message/star', { messageIDs: [m] }), 400, '40002', 'roomID');
      refused(await chat(dave, 'message/get_starred_ids', { roomID: group }), 403, '40301', 'roomID');
      refused(await chat(alice, 'message/get_starred_list', { roomID: group, pageNumber: 0 }), 400, '40002', 'pageNumber');
      assert.deepEqual(succeeded(await chat(alice, 'message/get_starred_ids', { roomID: group })).messageIDs, []);
    });

    it('are each user’s own, listed newest first in pages, and leave with unstar or a delete', async () => {
      const a = (await send(bob, group, 'first')).data.messageID;
      const b = (await send(carol, group, 'second')).data.messageID;
      const c = (await send(alice, group, 'third')).data.messageID;
      assert.deepEqual(succeeded(await chat(alice, 'message/star', { roomID: group, messageIDs: [a, b, c] })), { starredMessageIDs: [a, b, c] });
      assert.deepEqual(succeeded(await chat(alice, 'message/get_starred_ids', { roomID: group })).messageIDs, [c, b, a]);
      assert.deepEqual(succeeded(await chat(bob, 'message/get_starred_ids', { roomID: group })).messageIDs, [], 'stars are per user');
      const page1 = succeeded(await chat(alice, 'message/get_starred_list', { roomID: group, pageNumber: 1, pageSize: 2 }));
      assert.deepEqual(
        page1.messages.map((m: { messageID: string }) => m.messageID),
        [c, b],
      );
      assert.deepEqual(
        { hasMore: page1.hasMore, totalItems: page1.totalItems, totalPages: page1.totalPages, pageNumber: page1.pageNumber },
        { hasMore: true, totalItems: 3, totalPages: 2, pageNumber: 1 },
      );
      assert.equal(decryptContent(page1.messages[1].body, page1.messages[1].localID), 'second');
      const page2 = succeeded(await chat(alice, 'message/get_starred_list', { roomID: group, pageNumber: 2, pageSize: 2 }));
      assert.deepEqual(
        page2.messages.map((m: { messageID: string }) => m.messageID),
        [a],
      );
      assert.equal(page2.hasMore, false);
      assert.deepEqual(succeeded(await chat(alice, 'message/unstar', { roomID: group, messageIDs: [b] })), { unstarredMessageIDs: [b] });
      succeeded(await chat(alice, 'message/delete', { roomID: group, messageIDs: [c], forEveryone: true }));
      assert.deepEqual(succeeded(await chat(alice, 'message/get_starred_ids', { roomID: group })).messageIDs, [a]);
    });
  });

  describe('pins', () => {
    it('are refused in a room one is not in and for unknown messages', async () => {
      const m = (await send(alice, group, 'pin me')).data.messageID;
      refused(await chat(dave, 'message/pin', { roomID: group, messageIDs: [m] }), 403, '40301', 'roomID');
      refused(await chat(dave, 'message/unpin', { roomID: group, messageIDs: [m] }), 403, '40301', 'roomID');
      refused(await chat(alice, 'message/pin', { roomID: group, messageIDs: ['123456789'] }), 404, '40403', 'messageIDs');
      refused(await chat(dave, 'message/get_pinned_list', { roomID: group }), 403, '40301', 'roomID');
    });

    it('are the room’s: every member hears message/pin with the pinned message, and lists it', async () => {
      const pinned = await send(bob, group, 'remember this');
      const id = pinned.data.messageID as string;
      const mark = ws(carol).events.length;
      assert.deepEqual(succeeded(await chat(bob, 'message/pin', { roomID: group, messageIDs: [id] })), { pinnedMessageIDs: [id] });
      const system = await ws(carol).waitFor(isSystem(group, 'message/pin'), 5000, mark);
      const data = JSON.parse(decryptContent(system.data.data, system.data.localID) ?? '');
      assert.equal(data.messageID, id);
      assert.equal(data.localID, pinned.data.localID);
      assert.equal(decryptContent(data.body, data.localID), 'remember this', 'the pinned message’s own ciphertext, as the SDK decrypts it');
      assert.equal(data.createdTime, pinned.data.created);
      assert.equal(decryptContent(system.data.body, system.data.localID), 'Bob pinned a message');
      // Pinning again changes nothing and says nothing more.
      succeeded(await chat(alice, 'message/pin', { roomID: group, messageIDs: [id] }));
      for (const u of [alice, carol]) assert.deepEqual(succeeded(await chat(u, 'message/get_pinned_ids', { roomID: group })).pinnedMessageIDs, [id]);
      const list = succeeded(await chat(carol, 'message/get_pinned_list', { roomID: group, pageNumber: 1, pageSize: 99999 }));
      assert.deepEqual(
        list.messages.map((m: { messageID: string }) => m.messageID),
        [id],
      );
      assert.equal(list.totalItems, 1);
      const mark2 = ws(alice).events.length;
      assert.deepEqual(succeeded(await chat(carol, 'message/unpin', { roomID: group, messageIDs: [id] })), { unpinnedMessageIDs: [id] });
      const unpin = await ws(alice).waitFor(isSystem(group, 'message/unpin'), 5000, mark2);
      assert.equal(JSON.parse(decryptContent(unpin.data.data, unpin.data.localID) ?? '').messageID, id);
      assert.deepEqual(succeeded(await chat(bob, 'message/get_pinned_ids', { roomID: group })).pinnedMessageIDs, []);
      assert.equal(ws(alice).events.slice(mark).filter(isSystem(group, 'message/pin')).length, 1, 'one message/pin: the second pin was no change');
    });
  });

  describe('receipts in a group of three', () => {
    it('show exactly who got and who read a message, and each member’s own unread state', async () => {
      const m1 = (await send(alice, group, 'one')).data.messageID as string;
      const m2 = (await send(alice, group, 'two')).data.messageID as string;
      const details = async (id: string) => succeeded(await chat(alice, 'message/get_details', { messageID: id }));
      const ids = (list: Array<{ userID: string }>) => list.map((r) => r.userID).sort();
      assert.deepEqual((await details(m1)).readBy, []);
      t.clock.advance(10);
      succeeded(await chat(carol, 'message/feedback/delivered', { messageIDs: [m1] }));
      t.clock.advance(10);
      // Bob reads the newer one: his watermark covers the older one too.
      const readAt = t.clock.now();
      assert.deepEqual(succeeded(await chat(bob, 'message/feedback/read', { messageIDs: [m2] })).updatedMessageIDs, [m2]);
      const d1 = await details(m1);
      assert.equal(d1.message.messageID, m1);
      assert.deepEqual(ids(d1.readBy), [bob.userID]);
      assert.deepEqual(ids(d1.deliveredTo), [carol.userID]);
      assert.equal(d1.readBy[0].fullname, 'Bob');
      assert.equal(d1.readBy[0].readTime, readAt);
      assert.ok(d1.deliveredTo[0].deliveredTime > 0);
      assert.equal(d1.deliveredTo[0].readTime, 0);
      const d2 = await details(m2);
      assert.deepEqual(ids(d2.readBy), [bob.userID]);
      assert.deepEqual(d2.deliveredTo, [], 'Carol got only the first');
      assert.deepEqual(succeeded(await chat(alice, 'message/get_total_read', { messageID: m1 })), { count: 1 });
      // Each member sees their own state; the sender sees that someone read it.
      const seen = async (u: ChatUser, id: string) =>
        succeeded(await chat(u, 'message/list_by_room/before', { roomID: group, maxCreated: 0, limit: 50 })).messages.find(
          (m: { messageID: string }) => m.messageID === id,
        );
      assert.equal((await seen(alice, m1)).isRead, true);
      assert.equal((await seen(bob, m1)).isRead, true);
      assert.equal((await seen(carol, m1)).isRead, false, 'Bob’s read is not Carol’s');
      assert.equal((await seen(carol, m1)).isDelivered, true);
      assert.equal((await seen(carol, m2)).isDelivered, false);
      const unread = async (u: ChatUser) => succeeded(await clientCall(t, u, '/v1/client/room/get_unread_room_ids', {})).unreadRoomIDs;
      assert.ok((await unread(carol)).includes(group));
      assert.ok(!(await unread(bob)).includes(group));
      // Carol reads both: now two readers, and the message events went to the sender and the reader only.
      const markBob = ws(bob).events.length;
      const markAlice = ws(alice).events.length;
      succeeded(await chat(carol, 'message/feedback/read', { messageIDs: [m1, m2] }));
      assert.deepEqual(succeeded(await chat(alice, 'message/get_total_read', { messageID: m1 })), { count: 2 });
      assert.deepEqual(ids((await details(m2)).readBy), [bob.userID, carol.userID].sort());
      assert.ok(!(await unread(carol)).includes(group));
      // m2 was flagged read already (by Bob): nobody is told of Carol's read of it. m1's flag changes
      // now (Bob's read named only m2): its sender and its reader hear of that, Bob does not.
      const sync = await send(alice, group, 'sync point');
      await ws(bob).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === sync.data.localID, 5000, markBob);
      const updates = (u: ChatUser, from: number) =>
        ws(u)
          .events.slice(from)
          .filter((e) => e.eventName === 'chat/updateMessage');
      assert.deepEqual(updates(bob, markBob), []);
      assert.deepEqual(
        updates(alice, markAlice).map((e) => [e.data.messageID, e.data.isRead]),
        [[m1, true]],
      );
    });

    it('keep a personal room as it was: the flags are the other user’s receipt', async () => {
      const room = personalRoom(alice, dave);
      const m = (await send(alice, room, 'hi Dave')).data.messageID as string;
      const mark = ws(alice).events.length;
      succeeded(await chat(dave, 'message/feedback/read', { messageIDs: [m] }));
      const update = await ws(alice).waitFor((e) => e.eventName === 'chat/updateMessage' && e.data.messageID === m, 5000, mark);
      assert.equal(update.data.isRead, true);
      const d = succeeded(await chat(alice, 'message/get_details', { messageID: m }));
      assert.deepEqual(
        d.readBy.map((r: { userID: string }) => r.userID),
        [dave.userID],
      );
    });

    it('are refused for bad ids and messages of rooms one is not in', async () => {
      const m = (await send(alice, group, 'private')).data.messageID;
      refused(await chat(dave, 'message/get_details', { messageID: m }), 404, '40403', 'messageID');
      refused(await chat(dave, 'message/get_total_read', { messageID: m }), 404, '40403', 'messageID');
      refused(await chat(alice, 'message/get_details', { messageID: '999999999' }), 404, '40403', 'messageID');
      refused(await chat(alice, 'message/get_details', { messageID: 'abc' }), 400, '40002', 'messageID');
      refused(await chat(alice, 'message/get_total_read', {}), 400, '40002', 'messageID');
    });
  });

  describe('shared content', () => {
    it('sorts image and video into media, files and links by type, newest first, for members only', async () => {
      const room = personalRoom(bob, carol);
      const image = (await send(bob, room, 'pic', 1002, { fileID: 'f1', caption: 'x' })).data.messageID;
      const video = (await send(carol, room, 'clip', 1003, { fileID: 'f2' })).data.messageID;
      const file = (await send(bob, room, 'doc', 1004, { fileID: 'f3', fileName: 'a.pdf' })).data.messageID;
      const link = (await send(carol, room, 'https://example.com', 1010, { url: 'https://example.com' })).data.messageID;
      await send(bob, room, 'just text');
      const res = succeeded(await chat(bob, 'room/get_shared_content', { roomID: room, minCreated: 0 }));
      const idsOf = (list: Array<{ messageID: string }>) => list.map((m) => m.messageID);
      assert.deepEqual(idsOf(res.media), [video, image]);
      assert.deepEqual(idsOf(res.files), [file]);
      assert.deepEqual(idsOf(res.links), [link]);
      const item = res.files[0];
      assert.deepEqual(
        { messageType: item.messageType, userID: item.userID, userFullname: item.userFullname },
        { messageType: 1004, userID: bob.userID, userFullname: 'Bob' },
      );
      assert.deepEqual(JSON.parse(decryptContent(item.data, item.localID) ?? ''), { fileID: 'f3', fileName: 'a.pdf' });
      const asc = succeeded(await chat(bob, 'room/get_shared_content', { roomID: room, minCreated: 0, sortOrder: 'ASC' }));
      assert.deepEqual(idsOf(asc.media), [image, video]);
      succeeded(await chat(carol, 'message/delete', { roomID: room, messageIDs: [video], forEveryone: false }));
      assert.deepEqual(idsOf(succeeded(await chat(carol, 'room/get_shared_content', { roomID: room, minCreated: 0 })).media), [image]);
      refused(await chat(alice, 'room/get_shared_content', { roomID: room, minCreated: 0 }), 403, '40301', 'roomID');
      refused(await chat(bob, 'room/get_shared_content', { roomID: room, sortOrder: 'sideways' }), 400, '40002', 'sortOrder');
    });
  });
});
