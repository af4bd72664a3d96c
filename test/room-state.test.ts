// Per-user room state (client API room/mute, unmute, pin, unpin, mark_as_unread, clear_chat,
// groups_in_common, the id lists and get_room_ids_with_state, and message/delete for the caller
// only): each answer and refusal, the events a second device of the same user hears, and what the
// state changes in the user's lists, on each database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Envelope, TestApp } from './support/app.ts';
import { createTestApp } from './support/app.ts';
import { openDatabase } from '../src/storage/database.ts';
import { createMigrator, migrateToLatest } from '../src/storage/migrate.ts';
import { type ChatUser, ChatSocket, type SocketEvent, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { createTestDatabase, eachDialect } from './support/databases.ts';

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

const roomEvent = (eventName: string, roomID: string) => (e: SocketEvent) => e.eventName === eventName && e.data.room?.roomID === roomID;

await eachDialect(describe, 'room state', (dialect) => {
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let alice2: ChatUser;
  let bob: ChatUser;
  let carol: ChatUser;
  let group: string;
  let direct: string;
  const sockets = new Map<ChatUser, ChatSocket>();
  const ws = (u: ChatUser) => sockets.get(u) as ChatSocket;
  const call = (u: ChatUser, path: string, body: unknown = '""') => clientCall(t, u, `/v1/client/${path}`, body);
  const chat = (u: ChatUser, path: string, body: unknown = '""') => clientCall(t, u, `/v1/chat/${path}`, body);

  /** Sends a text message over the sender's socket; resolves with its id once the sender has the echo. */
  async function send(from: ChatUser, roomID: string, text: string): Promise<string> {
    const out = outgoingMessage(roomID, from, text);
    const mark = ws(from).events.length;
    ws(from).emit('chat/sendMessage', out);
    const echo = await ws(from).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID, 5000, mark);
    return echo.data.messageID as string;
  }
  const before_ = async (u: ChatUser, roomID: string) =>
    succeeded<{ messages: Array<{ messageID: string; isRead: boolean }> }>(
      await chat(u, 'message/list_by_room/before', { roomID, maxCreated: 0, limit: 50 }),
    ).messages.map((m) => m.messageID);

  before(async () => {
    t = await createTestApp(dialect);
    base = await listen(t);
    alice = await loginUser(t, 'Alice', `alice-${dialect}`);
    // Alice's second device: the same user, another session.
    alice2 = await loginUser(t, 'Alice', `alice-${dialect}`);
    bob = await loginUser(t, 'Bob');
    carol = await loginUser(t, 'Carol');
    assert.equal(alice2.userID, alice.userID);
    for (const u of [alice, alice2, bob, carol]) sockets.set(u, await ChatSocket.open(socketUrl(base, t.project.appKey.header, u.accessToken)));
    group = succeeded(await call(alice, 'room/create', { name: 'Team', type: 2, userIDs: [bob.userID, carol.userID] })).room.roomID;
    direct = personalRoom(alice, bob);
  });
  after(async () => {
    for (const s of sockets.values()) assert.deepEqual(s.problems, []);
    for (const s of sockets.values()) await s.close();
    await t.close();
  });

  it('refuses bad room lists, rooms that do not exist and rooms of others, with the field', async () => {
    for (const path of ['room/mute', 'room/unmute', 'room/pin', 'room/unpin', 'room/mark_as_unread', 'room/clear_chat']) {
      refused(await call(alice, path, {}), 400, '40002', 'roomIDs');
      refused(await call(alice, path, { roomIDs: [] }), 400, '40002', 'roomIDs');
      refused(await call(alice, path, { roomIDs: 'x' }), 400, '40002', 'roomIDs');
      refused(await call(alice, path, { roomIDs: [7] }), 400, '40002', 'roomIDs');
      refused(await call(alice, path, { roomIDs: ['nosuchroom'] }), 404, '40402', 'roomIDs');
      refused(await call(carol, path, { roomIDs: [direct] }), 403, '40301', 'roomIDs');
    }
    refused(await call(alice, 'room/mute', { roomIDs: [group], expiredAt: -1 }), 400, '40002', 'expiredAt');
    refused(await call(alice, 'room/mute', { roomIDs: [group], expiredAt: 'soon' }), 400, '40002', 'expiredAt');
    // Nothing was stored by a refused call.
    assert.deepEqual(succeeded(await call(alice, 'room/get_room_ids_with_state', {})), {
      clearedRooms: [],
      pinnedRoomIDs: [],
      mutedRooms: [],
      unreadRoomIDs: [],
    });
  });

  it('mutes until a time or until unmuted, tells every device, and stops listing an expired mute', async () => {
    const until = t.clock.now() + 60_000;
    const mark = ws(alice2).events.length;
    assert.deepEqual(succeeded(await call(alice, 'room/mute', { roomIDs: [group], expiredAt: until })), { mutedRoomIDs: [group] });
    assert.deepEqual(succeeded(await call(alice, 'room/mute', { roomIDs: [direct], expiredAt: 0 })), { mutedRoomIDs: [direct] });
    const event = await ws(alice2).waitFor(roomEvent('room/mute', group), 5000, mark);
    assert.equal(event.data.expiredAt, until);
    assert.equal(event.data.room.name, 'Team');
    const forever = await ws(alice2).waitFor(roomEvent('room/mute', direct), 5000, mark);
    assert.equal(forever.data.expiredAt, 0);
    assert.equal(forever.data.room.name, 'Bob', 'a personal room as the user sees it');
    const muted = async (u: ChatUser) =>
      succeeded<{ mutedRooms: Array<{ roomID: string; expiredAt: number }> }>(await call(u, 'room/get_muted_room_ids', {})).mutedRooms;
    assert.deepEqual(
      (await muted(alice2)).sort((a, b) => a.roomID.localeCompare(b.roomID)),
      [
        { roomID: group, expiredAt: until },
        { roomID: direct, expiredAt: 0 },
      ].sort((a, b) => a.roomID.localeCompare(b.roomID)),
    );
    assert.deepEqual(await muted(bob), [], 'muting is per user');
    t.clock.advance(60_001);
    assert.deepEqual(await muted(alice), [{ roomID: direct, expiredAt: 0 }]);
    const mark2 = ws(alice2).events.length;
    assert.deepEqual(succeeded(await call(alice, 'room/unmute', { roomIDs: [direct] })), { unmutedRoomIDs: [direct] });
    const unmuted = await ws(alice2).waitFor(roomEvent('room/unmute', direct), 5000, mark2);
    assert.equal(unmuted.data.expiredAt, undefined, 'no expiredAt: the Android SDK reads that as unmute');
    assert.deepEqual(await muted(alice), []);
  });

  it('pins rooms for the user, most recently pinned first, on every device', async () => {
    const mark = ws(alice2).events.length;
    assert.deepEqual(succeeded(await call(alice, 'room/pin', { roomIDs: [direct] })), { pinnedRoomIDs: [direct] });
    t.clock.advance(5);
    assert.deepEqual(succeeded(await call(alice, 'room/pin', { roomIDs: [group] })), { pinnedRoomIDs: [group] });
    await ws(alice2).waitFor(roomEvent('room/pin', direct), 5000, mark);
    await ws(alice2).waitFor(roomEvent('room/pin', group), 5000, mark);
    const pinned = async (u: ChatUser) => succeeded<{ pinnedRoomIDs: string[] }>(await call(u, 'room/get_pinned_room_ids', {})).pinnedRoomIDs;
    assert.deepEqual(await pinned(alice2), [group, direct]);
    assert.deepEqual(await pinned(bob), []);
    assert.deepEqual(succeeded(await call(alice, 'room/unpin', { roomIDs: [group] })), { unpinnedRoomIDs: [group] });
    await ws(alice2).waitFor(roomEvent('room/unpin', group), 5000, mark);
    assert.deepEqual(await pinned(alice), [direct]);
    assert.deepEqual(succeeded(await call(alice, 'room/get_room_ids_with_state', {})).pinnedRoomIDs, [direct]);
  });

  it('keeps a room marked unread until the user reads in it', async () => {
    const unread = async (u: ChatUser) => succeeded<{ unreadRoomIDs: string[] }>(await call(u, 'room/get_unread_room_ids', {})).unreadRoomIDs;
    const id = await send(bob, group, 'hello team');
    // Bob's message is unread for Alice and Carol: their rooms holding unread messages are listed.
    assert.ok((await unread(carol)).includes(group));
    succeeded(await chat(alice, 'message/feedback/read', { messageIDs: [id] }));
    assert.deepEqual(await unread(alice), []);
    assert.ok((await unread(carol)).includes(group), "Alice's read is hers: the message is still unread for Carol");
    const mark = ws(alice2).events.length;
    assert.deepEqual(succeeded(await call(alice, 'room/mark_as_unread', { roomIDs: [group] })), { unreadRoomIDs: [group] });
    await ws(alice2).waitFor(roomEvent('room/markAsUnread', group), 5000, mark);
    assert.deepEqual(await unread(alice), [group]);
    assert.deepEqual(succeeded(await call(alice, 'room/get_room_ids_with_state', {})).unreadRoomIDs, [group]);
    const next = await send(bob, group, 'still there?');
    succeeded(await chat(alice, 'message/feedback/read', { messageIDs: [next] }));
    await ws(alice2).waitFor(roomEvent('room/markAsRead', group), 5000, mark);
    assert.deepEqual(await unread(alice), []);
  });

  it('clears a chat for the user only: older messages gone from their lists, new ones shown', async () => {
    const first = await send(bob, direct, 'one');
    const second = await send(alice, direct, 'two');
    succeeded(await chat(alice, 'message/star', { roomID: direct, messageIDs: [first] }));
    t.clock.advance(5);
    const mark = ws(alice2).events.length;
    assert.deepEqual(succeeded(await call(alice, 'room/clear_chat', { roomIDs: [direct] })), { clearedRoomIDs: [direct] });
    const cleared = await ws(alice2).waitFor(roomEvent('room/clearChat', direct), 5000, mark);
    assert.equal(cleared.data.room.roomID, direct);
    assert.deepEqual(await before_(alice, direct), []);
    assert.deepEqual((await before_(bob, direct)).slice(0, 2), [second, first], 'Bob keeps his');
    assert.deepEqual(succeeded(await chat(alice, 'message/get_starred_ids', { roomID: direct })).messageIDs, [], 'her stars there went too');
    const after_ = succeeded<{ messages: Array<{ messageID: string }> }>(
      await chat(alice, 'message/list_by_room/after', { roomID: direct, minCreated: 0, lastUpdated: 0 }),
    );
    assert.deepEqual(after_.messages, []);
    const roomList = succeeded<{ messages: Array<{ room: { roomID: string } }> }>(await chat(alice, 'message/room_list_and_unread', {}));
    assert.ok(!roomList.messages.some((m) => m.room.roomID === direct), 'no cleared message in her room list');
    const state = succeeded(await call(alice, 'room/get_room_ids_with_state', {}));
    assert.deepEqual(
      state.clearedRooms.map((r: { roomID: string }) => r.roomID),
      [direct],
    );
    assert.ok(state.clearedRooms[0].clearTime >= t.clock.now() - 1);
    t.clock.advance(5);
    const third = await send(bob, direct, 'three');
    assert.deepEqual(await before_(alice, direct), [third]);
  });

  it('deletes a message for the caller only (anyone’s message): gone from their lists, kept for others', async () => {
    const id = await send(carol, group, 'for everyone to see');
    const mark = ws(bob).events.length;
    assert.deepEqual(succeeded(await chat(bob, 'message/delete', { roomID: group, messageIDs: [id], forEveryone: false })), { deletedMessageIDs: [id] });
    const update = await ws(bob).waitFor((e) => e.eventName === 'chat/updateMessage' && e.data.messageID === id, 5000, mark);
    assert.equal(update.data.isDeleted, true);
    assert.ok(!(await before_(bob, group)).includes(id));
    assert.ok((await before_(carol, group)).includes(id));
    assert.ok((await before_(alice, group)).includes(id));
    // Not someone else's to delete for everyone.
    assert.deepEqual(succeeded(await chat(bob, 'message/delete', { roomID: group, messageIDs: [id], forEveryone: true })), { deletedMessageIDs: [] });
    refused(await chat(carol, 'message/delete', { roomID: direct, messageIDs: [id], forEveryone: false }), 403, '40301', 'roomID');
  });

  it('lists the groups two users share', async () => {
    const other = succeeded(await call(bob, 'room/create', { name: 'Side', type: 2, userIDs: [carol.userID] })).room.roomID;
    const common = async (u: ChatUser, w: ChatUser) =>
      succeeded<{ rooms: Array<{ roomID: string; name: string }> }>(await call(u, 'room/groups_in_common', { userID: w.userID })).rooms;
    assert.deepEqual(
      (await common(alice, bob)).map((r) => r.roomID),
      [group],
    );
    assert.deepEqual((await common(bob, carol)).map((r) => r.roomID).sort(), [group, other].sort());
    assert.deepEqual(await common(alice, alice2).then((r) => r.length), 1, 'with oneself: one’s groups');
    refused(await call(alice, 'room/groups_in_common', { userID: '999999' }), 404, '40401', 'userID');
    refused(await call(alice, 'room/groups_in_common', {}), 400, '40002', 'userID');
  });

  it('stops listing a group the user left', async () => {
    const brief = succeeded(await call(carol, 'room/create', { name: 'Brief', type: 2, userIDs: [bob.userID] })).room.roomID;
    succeeded(await call(bob, 'room/pin', { roomIDs: [brief] }));
    succeeded(await call(bob, 'room/mute', { roomIDs: [brief], expiredAt: 0 }));
    assert.ok(succeeded(await call(bob, 'room/get_pinned_room_ids', {})).pinnedRoomIDs.includes(brief));
    succeeded(await call(bob, 'room/leave', { roomID: brief }));
    const state = succeeded(await call(bob, 'room/get_room_ids_with_state', {}));
    assert.ok(!state.pinnedRoomIDs.includes(brief));
    assert.ok(!state.mutedRooms.some((r: { roomID: string }) => r.roomID === brief));
    refused(await call(bob, 'room/pin', { roomIDs: [brief] }), 403, '40301', 'roomIDs');
  });

  it('starts each member from the flags when migrating a database written before watermarks', async () => {
    // Rows as an older Parley left them (no service of today can write that state): a group of three
    // where one of two messages from user 1 was read by someone, the other only delivered.
    const database = await createTestDatabase(dialect);
    const { db, close } = await openDatabase(database.url, { migrate: false });
    try {
      const migrated = await createMigrator(db).migrateTo('0008_server_api');
      assert.equal(migrated.error, undefined);
      const at = 1_700_000_000_000;
      // The projects table of 0008 (no name_key yet): typed as today's schema, so the row is cast.
      await db
        .insertInto('projects')
        .values({ id: 'p', name: 'old', tier: null, created_at: at } as { id: string; name: string; name_key: string; tier: null; created_at: number })
        .execute();
      await db
        .insertInto('rooms')
        .values({
          project_id: 'p',
          id: 'g',
          type: 2,
          name: 'G',
          xc_room_id: '',
          image_thumbnail: '',
          image_fullsize: '',
          color: '',
          created_at: at,
          updated_at: at,
        })
        .execute();
      await db
        .insertInto('room_members')
        .values([1, 2, 3].map((u) => ({ project_id: 'p', room_id: 'g', user_id: u, joined_at: at })))
        .execute();
      const message = (local: string, created: number, delivered: number, read: number) => ({
        project_id: 'p',
        room_id: 'g',
        sender_id: 1,
        local_id: local,
        type: 1001,
        body: '',
        data: '',
        extra: '{}',
        is_hidden: 0,
        is_delivered: delivered,
        is_read: read,
        is_deleted: 0,
        is_edited: 0,
        created_at: created,
        updated_at: created,
        deleted_at: 0,
      });
      await db
        .insertInto('messages')
        .values([message('a', at + 1, 1, 1), message('b', at + 2, 1, 0)])
        .execute();
      assert.ok((await migrateToLatest(db)).includes('0010_state'), 'the migration under test ran');
      const rows = await db.selectFrom('room_user_states').select(['user_id', 'read_upto', 'delivered_upto']).orderBy('user_id').execute();
      assert.deepEqual(
        rows.map((r) => [Number(r.user_id), Number(r.read_upto), Number(r.delivered_upto)]),
        [
          [1, 0, 0],
          [2, at + 1, at + 2],
          [3, at + 1, at + 2],
        ],
      );
    } finally {
      await close();
      await database.drop();
    }
  });
});
