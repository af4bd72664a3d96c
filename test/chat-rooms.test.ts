// Group rooms, the room id lists, contacts and get_by_username (spec §6, §7.1, §7.2, §7.5): each
// endpoint's answer and refusals, and over real sockets the system messages the web SDK acts on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decryptContent } from '../src/chat/cipher.ts';
import * as roomsRepo from '../src/repos/rooms.ts';
import { type Envelope, type TestApp, createTestApp, post } from './support/app.ts';
import { type ChatUser, ChatSocket, type SocketEvent, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

interface Details {
  room: { roomID: string; name: string; type: number; admins: string[]; xcRoomID: string };
  participants: Array<{ userID: string; fullname: string }>;
  adminUserIDs: string[];
}

function refused(res: Envelope, status: number, code: string, field?: string): void {
  assert.equal(res.status, status, JSON.stringify(res));
  assert.equal(res.error.code, code, JSON.stringify(res));
  if (field !== undefined) assert.equal(res.error.field, field, JSON.stringify(res));
  assert.deepEqual(res.data, {});
}

function succeeded<T = Details>(res: Envelope): T {
  assert.equal(res.status, 200, JSON.stringify(res.error));
  assert.equal(res.error.code, '');
  return res.data as T;
}

const isSystem = (roomID: string, action: string, targetID?: string) => (e: SocketEvent) =>
  e.eventName === 'chat/sendMessage' &&
  e.data.type === 9001 &&
  e.data.room.roomID === roomID &&
  e.data.action === action &&
  (targetID === undefined || e.data.target.targetID === targetID);

const text = (e: SocketEvent) => decryptContent(e.data.body, e.data.localID);
const ids = (users: ChatUser[]) => users.map((u) => u.userID).sort();
const sortedIds = (list: Array<{ userID: string }>) => list.map((u) => u.userID).sort();

await eachDialect(describe, 'chat rooms', (dialect) => {
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let bob: ChatUser;
  let carol: ChatUser;
  let dave: ChatUser;
  const sockets = new Map<string, ChatSocket>();
  const ws = (u: ChatUser) => sockets.get(u.userID) as ChatSocket;
  const call = (u: ChatUser, path: string, body: unknown = '""') => clientCall(t, u, `/v1/client/${path}`, body);
  const create = async (by: ChatUser, name: string, members: ChatUser[]) =>
    succeeded(await call(by, 'room/create', { name, type: 2, userIDs: members.map((m) => m.userID) })).room.roomID;

  before(async () => {
    t = await createTestApp(dialect);
    base = await listen(t);
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
    carol = await loginUser(t, 'Carol');
    dave = await loginUser(t, 'Dave');
    for (const u of [alice, bob, carol, dave]) sockets.set(u.userID, await ChatSocket.open(socketUrl(base, t.project.appKey.header, u.accessToken)));
  });
  after(async () => {
    for (const s of sockets.values()) assert.deepEqual(s.problems, []);
    for (const s of sockets.values()) await s.close();
    await t.close();
  });

  describe('a group', () => {
    let team: string;

    it('is created with the caller as admin, and every member hears of it', async () => {
      const res = succeeded(await call(alice, 'room/create', { name: 'Team', type: 2, userIDs: [bob.userID, carol.userID, alice.userID] }));
      team = res.room.roomID;
      assert.match(team, /^[0-9a-z]{26}$/, 'no "-": never mistaken for a personal room');
      assert.equal(res.room.type, 2);
      assert.equal(res.room.name, 'Team');
      assert.deepEqual(sortedIds(res.participants), ids([alice, bob, carol]));
      assert.deepEqual(res.adminUserIDs, [alice.userID]);
      for (const u of [alice, bob, carol]) {
        const e = await ws(u).waitFor(isSystem(team, 'room/create'));
        assert.equal(e.data.user.userID, alice.userID);
        assert.equal(e.data.room.name, 'Team');
        assert.equal(text(e), 'Alice created this group');
      }
      assert.equal(ws(dave).events.some(isSystem(team, 'room/create')), false);
    });

    it('refuses malformed creations', async () => {
      refused(await call(alice, 'room/create', { type: 2, userIDs: [] }), 400, '40002', 'name');
      refused(await call(alice, 'room/create', { name: 'x'.repeat(101), type: 2, userIDs: [] }), 400, '40002', 'name');
      refused(await call(alice, 'room/create', { name: 'T', type: 1, userIDs: [bob.userID] }), 400, '40002', 'type');
      refused(await call(alice, 'room/create', { name: 'T', type: 2 }), 400, '40002', 'userIDs');
      refused(await call(alice, 'room/create', { name: 'T', type: 2, userIDs: ['abc'] }), 400, '40002', 'userIDs');
      const crowd = Array.from({ length: 100 }, (_, i) => String(1_000_000 + i));
      refused(await call(alice, 'room/create', { name: 'T', type: 2, userIDs: crowd }), 400, '40002', 'userIDs');
      refused(await call(alice, 'room/create', { name: 'T', type: 2, userIDs: [bob.userID, '999999999'] }), 404, '40401', 'userIDs');
    });

    it('is read by its members only', async () => {
      const res = succeeded(await call(bob, 'room/get', { roomID: team }));
      assert.equal(res.room.roomID, team);
      assert.deepEqual(res.room.admins, [alice.userID]);
      assert.deepEqual(sortedIds(res.participants), ids([alice, bob, carol]));
      refused(await call(dave, 'room/get', { roomID: team }), 403, '40301', 'roomID');
      refused(await call(alice, 'room/get', { roomID: 'nosuchroom' }), 404, '40402', 'roomID');
      refused(await call(alice, 'room/get', {}), 400, '40002', 'roomID');
      refused(await call(alice, 'room/get', { roomID: 12 }), 400, '40002', 'roomID');
    });

    it('is found by xcRoomID', async () => {
      const now = t.clock.now();
      await roomsRepo.insertRoom(t.deps.db, {
        projectId: t.project.projectID,
        id: 'xcroom1',
        type: 2,
        name: 'Synced',
        xcRoomID: 'xc-synced',
        imageThumbnail: '',
        imageFullsize: '',
        color: '',
        now,
      });
      await roomsRepo.addMembers(t.deps.db, t.project.projectID, 'xcroom1', [{ userId: Number(alice.userID), isAdmin: true }], now);
      const res = succeeded(await call(alice, 'room/get_by_xc_room_id', { xcRoomID: 'xc-synced' }));
      assert.equal(res.room.roomID, 'xcroom1');
      assert.equal(res.room.xcRoomID, 'xc-synced');
      refused(await call(bob, 'room/get_by_xc_room_id', { xcRoomID: 'xc-synced' }), 403, '40301');
      refused(await call(alice, 'room/get_by_xc_room_id', { xcRoomID: 'xc-none' }), 404, '40402', 'xcRoomID');
      refused(await call(alice, 'room/get_by_xc_room_id', { xcRoomID: '' }), 400, '40002', 'xcRoomID');
    });

    it('carries its name on the messages its members exchange', async () => {
      const out = outgoingMessage(team, bob, 'hi team');
      ws(bob).emit('chat/sendMessage', out);
      for (const u of [alice, bob, carol]) {
        const e = await ws(u).waitFor((x) => x.eventName === 'chat/sendMessage' && x.data.localID === out.localID);
        assert.equal(e.data.room.name, 'Team');
        assert.equal(e.data.room.type, 2);
      }
      const mark = ws(dave).events.length;
      ws(dave).emit('chat/sendMessage', outgoingMessage(team, dave, 'let me in'));
      const error = await ws(dave).waitFor((e) => e.eventName === 'error', 5000, mark);
      assert.equal(error.data.code, '40301');
    });

    it('is renamed by admins only, on room/get and on the next message', async () => {
      refused(await call(bob, 'room/update', { roomID: team, name: 'Mine' }), 403, '40301', 'roomID');
      refused(await call(dave, 'room/update', { roomID: team, name: 'Mine' }), 403, '40301', 'roomID');
      refused(await call(alice, 'room/update', { roomID: 'nosuchroom', name: 'Mine' }), 404, '40402', 'roomID');
      refused(await call(alice, 'room/update', { roomID: personalRoom(alice, bob), name: 'Mine' }), 403, '40301', 'roomID');
      refused(await call(alice, 'room/update', { roomID: team }), 400, '40002', 'name');
      const res = succeeded(await call(alice, 'room/update', { roomID: team, name: 'Team 2' }));
      assert.equal(res.room.name, 'Team 2');
      const e = await ws(carol).waitFor(isSystem(team, 'room/update'));
      assert.equal(e.data.room.name, 'Team 2');
      assert.equal(text(e), 'Alice renamed the group to Team 2');
      assert.equal(succeeded(await call(bob, 'room/get', { roomID: team })).room.name, 'Team 2');
      const out = outgoingMessage(team, carol, 'nice name');
      ws(carol).emit('chat/sendMessage', out);
      const got = await ws(bob).waitFor((x) => x.eventName === 'chat/sendMessage' && x.data.localID === out.localID);
      assert.equal(got.data.room.name, 'Team 2');
    });

    it('gets admins promoted and demoted by admins, and always keeps one', async () => {
      refused(await call(bob, 'room/admins/promote', { roomID: team, userIDs: [bob.userID] }), 403, '40301', 'roomID');
      refused(await call(alice, 'room/admins/promote', { roomID: team, userIDs: [dave.userID] }), 404, '40401', 'userIDs');
      refused(await call(alice, 'room/admins/promote', { roomID: team, userIDs: 'all' }), 400, '40002', 'userIDs');
      refused(await call(alice, 'room/admins/promote', { roomID: 'nosuchroom', userIDs: [bob.userID] }), 404, '40402', 'roomID');
      refused(await call(alice, 'room/admins/promote', { roomID: personalRoom(alice, bob), userIDs: [bob.userID] }), 403, '40301', 'roomID');
      const promoted = succeeded(await call(alice, 'room/admins/promote', { roomID: team, userIDs: [bob.userID] }));
      assert.deepEqual([...promoted.adminUserIDs].sort(), ids([alice, bob]));
      assert.deepEqual([...promoted.room.admins].sort(), ids([alice, bob]));
      const e = await ws(carol).waitFor(isSystem(team, 'room/promoteAdmin', bob.userID));
      assert.deepEqual(e.data.target, { targetType: 'user', targetID: bob.userID, targetXCID: bob.user.xcUserID, targetName: 'Bob' });
      assert.equal(text(e), 'Alice made Bob an admin');

      const demoted = succeeded(await call(bob, 'room/admins/demote', { roomID: team, userIDs: [alice.userID] }));
      assert.deepEqual(demoted.adminUserIDs, [bob.userID]);
      await ws(alice).waitFor(isSystem(team, 'room/demoteAdmin', alice.userID));
      assert.deepEqual(succeeded(await call(carol, 'room/get', { roomID: team })).adminUserIDs, [bob.userID]);
      refused(await call(alice, 'room/admins/demote', { roomID: team, userIDs: [bob.userID] }), 403, '40301', 'roomID');
      refused(await call(bob, 'room/admins/demote', { roomID: team, userIDs: [bob.userID] }), 403, '40301', 'userIDs');
      refused(await call(bob, 'room/admins/demote', { roomID: team, userIDs: [dave.userID] }), 404, '40401', 'userIDs');
      succeeded(await call(bob, 'room/admins/promote', { roomID: team, userIDs: [alice.userID] }));
    });

    it('gets participants added and removed by admins; the removed hear of it and can no longer send', async () => {
      refused(await call(carol, 'room/participants/add', { roomID: team, userIDs: [dave.userID] }), 403, '40301', 'roomID');
      refused(await call(alice, 'room/participants/add', { roomID: team, userIDs: ['999999999'] }), 404, '40401', 'userIDs');
      refused(await call(alice, 'room/participants/add', { roomID: team }), 400, '40002', 'userIDs');
      refused(await call(alice, 'room/participants/add', { roomID: personalRoom(alice, bob), userIDs: [dave.userID] }), 403, '40301', 'roomID');
      refused(await call(alice, 'room/participants/add', { roomID: 'nosuchroom', userIDs: [dave.userID] }), 404, '40402', 'roomID');
      const added = succeeded(await call(alice, 'room/participants/add', { roomID: team, userIDs: [dave.userID, bob.userID] }));
      assert.deepEqual(sortedIds(added.participants), ids([alice, bob, carol, dave]));
      const hello = await ws(dave).waitFor(isSystem(team, 'room/addParticipant', dave.userID));
      assert.equal(text(hello), 'Alice added Dave');
      assert.equal(ws(dave).events.some(isSystem(team, 'room/addParticipant', bob.userID)), false, 'Bob was already in');

      refused(await call(dave, 'room/participants/remove', { roomID: team, userIDs: [carol.userID] }), 403, '40301', 'roomID');
      refused(await call(alice, 'room/participants/remove', { roomID: team, userIDs: [alice.userID] }), 400, '40002', 'userIDs');
      refused(await call(alice, 'room/participants/remove', { roomID: personalRoom(alice, bob), userIDs: [bob.userID] }), 403, '40301', 'roomID');
      const removed = succeeded(await call(alice, 'room/participants/remove', { roomID: team, userIDs: [carol.userID] }));
      assert.deepEqual(sortedIds(removed.participants), ids([alice, bob, dave]));
      refused(await call(alice, 'room/participants/remove', { roomID: team, userIDs: [carol.userID] }), 404, '40401', 'userIDs');
      const bye = await ws(carol).waitFor(isSystem(team, 'room/removeParticipant', carol.userID));
      assert.equal(text(bye), 'Alice removed Carol');
      await ws(bob).waitFor(isSystem(team, 'room/removeParticipant', carol.userID));

      const mark = ws(carol).events.length;
      ws(carol).emit('chat/sendMessage', outgoingMessage(team, carol, 'still here?'));
      assert.equal((await ws(carol).waitFor((e) => e.eventName === 'error', 5000, mark)).data.code, '40301');
      const out = outgoingMessage(team, bob, 'without Carol');
      ws(bob).emit('chat/sendMessage', out);
      await ws(alice).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
      await ws(dave).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(
        ws(carol).events.some((e) => e.data?.localID === out.localID),
        false,
      );
      refused(await call(carol, 'room/get', { roomID: team }), 403, '40301');
    });
  });

  it('hands the admin role on when the last admin leaves, and ends the group with its last member', async () => {
    const group = await create(alice, 'Leavers', [bob]);
    t.clock.advance(1000);
    succeeded(await call(alice, 'room/participants/add', { roomID: group, userIDs: [carol.userID] }));
    refused(await call(dave, 'room/leave', { roomID: group }), 403, '40301', 'roomID');
    refused(await call(alice, 'room/leave', { roomID: 'nosuchroom' }), 404, '40402', 'roomID');
    refused(await call(alice, 'room/leave', { roomID: personalRoom(alice, bob) }), 403, '40301', 'roomID');
    refused(await call(alice, 'room/leave', {}), 400, '40002', 'roomID');

    const left = succeeded<{ success: boolean; message: string }>(await call(alice, 'room/leave', { roomID: group }));
    assert.equal(left.success, true);
    assert.equal(typeof left.message, 'string');
    // The leaver hears it too, as its sender: that is what drops the room in the web SDK.
    const own = await ws(alice).waitFor(isSystem(group, 'room/leave'));
    assert.equal(own.data.user.userID, alice.userID);
    await ws(bob).waitFor(isSystem(group, 'room/leave'));
    await ws(carol).waitFor(isSystem(group, 'room/promoteAdmin', bob.userID));
    const after = succeeded(await call(bob, 'room/get', { roomID: group }));
    assert.deepEqual(after.adminUserIDs, [bob.userID], 'Bob joined before Carol');
    assert.deepEqual(sortedIds(after.participants), ids([bob, carol]));
    refused(await call(alice, 'room/get', { roomID: group }), 403, '40301');

    succeeded(await call(bob, 'room/leave', { roomID: group }));
    assert.deepEqual(succeeded(await call(carol, 'room/get', { roomID: group })).adminUserIDs, [carol.userID]);
    succeeded(await call(carol, 'room/leave', { roomID: group }));
    await ws(carol).waitFor((e) => isSystem(group, 'room/leave')(e) && e.data.user.userID === carol.userID);
    refused(await call(carol, 'room/get', { roomID: group }), 404, '40402');
  });

  it('is deleted by admins only, after telling its members', async () => {
    const group = await create(alice, 'Doomed', [bob]);
    refused(await call(bob, 'room/delete', { roomID: group, checksum: 'x' }), 403, '40301', 'roomID');
    refused(await call(dave, 'room/delete', { roomID: group, checksum: 'x' }), 403, '40301', 'roomID');
    refused(await call(alice, 'room/delete', { roomID: group }), 400, '40002', 'checksum');
    refused(await call(alice, 'room/delete', { roomID: personalRoom(alice, bob), checksum: 'x' }), 403, '40301', 'roomID');
    const res = succeeded<{ success: boolean }>(await call(alice, 'room/delete', { roomID: group, checksum: 'c0ffee' }));
    assert.equal(res.success, true);
    const e = await ws(bob).waitFor(isSystem(group, 'room/delete'));
    assert.equal(text(e), 'Alice deleted this group');
    refused(await call(bob, 'room/get', { roomID: group }), 404, '40402');
    refused(await call(alice, 'room/delete', { roomID: group, checksum: 'c0ffee' }), 404, '40402');
    const mark = ws(bob).events.length;
    ws(bob).emit('chat/sendMessage', outgoingMessage(group, bob, 'anyone?'));
    assert.equal((await ws(bob).waitFor((x) => x.eventName === 'error', 5000, mark)).data.code, '40402');
  });

  it('gets a personal room with both users, named after the other one', async () => {
    const res = succeeded(await call(alice, 'room/get', { roomID: personalRoom(alice, bob) }));
    assert.equal(res.room.type, 1);
    assert.equal(res.room.name, 'Bob');
    assert.deepEqual(sortedIds(res.participants), ids([alice, bob]));
    assert.deepEqual(res.adminUserIDs, []);
    refused(await call(carol, 'room/get', { roomID: personalRoom(alice, bob) }), 403, '40301');
    refused(await call(alice, 'room/get', { roomID: `${alice.userID}-999999999` }), 404, '40402');
  });

  it('lists the rooms holding unread messages from others, and empty pinned and muted lists', async () => {
    const [eve, frank] = await Promise.all([loginUser(t, 'Eve'), loginUser(t, 'Frank')]);
    const frankWs = await ChatSocket.open(socketUrl(base, t.project.appKey.header, frank.accessToken));
    try {
      const unread = async (u: ChatUser) => succeeded<{ unreadRoomIDs: string[] }>(await call(u, 'room/get_unread_room_ids', {})).unreadRoomIDs;
      assert.deepEqual(await unread(frank), []);
      const group = await create(eve, 'Readers', [frank]);
      const created = await frankWs.waitFor(isSystem(group, 'room/create'));
      assert.deepEqual(await unread(frank), [group]);
      assert.deepEqual(await unread(eve), [], 'her own messages are not unread for her');
      succeeded(await clientCall(t, frank, '/v1/chat/message/feedback/read', { messageIDs: [created.data.messageID] }));
      assert.deepEqual(await unread(frank), []);
      const direct = personalRoom(eve, frank);
      const out = outgoingMessage(direct, eve, 'psst');
      const eveWs = await ChatSocket.open(socketUrl(base, t.project.appKey.header, eve.accessToken));
      eveWs.emit('chat/sendMessage', out);
      await frankWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
      await eveWs.close();
      assert.deepEqual(await unread(frank), [direct]);
      assert.deepEqual(succeeded(await call(frank, 'room/get_pinned_room_ids', {})), { pinnedRoomIDs: [] });
      assert.deepEqual(succeeded(await call(frank, 'room/get_muted_room_ids', {})), { mutedRooms: [] });
    } finally {
      await frankWs.close();
    }
  });

  it('keeps a contact list: add, list by name, remove', async () => {
    const entry = (u: ChatUser) => ({ userID: u.userID, isRequestPending: false, isRequestAccepted: true });
    const list = async () =>
      succeeded<{ contacts: Array<{ user: { userID: string }; isRequestPending: boolean; isRequestAccepted: boolean }> }>(
        await call(dave, 'contact/list'),
      ).contacts.map((c) => ({
        userID: c.user.userID,
        isRequestPending: c.isRequestPending,
        isRequestAccepted: c.isRequestAccepted,
      }));
    assert.deepEqual(await list(), []);
    const added = succeeded<{ success: boolean; message: string; user: { userID: string; fullname: string } }>(
      await call(dave, 'contact/add', { userID: carol.userID }),
    );
    assert.equal(added.success, true);
    assert.equal(added.user.fullname, 'Carol');
    succeeded(await call(dave, 'contact/add', { userID: Number(bob.userID) }));
    succeeded(await call(dave, 'contact/add', { userID: bob.userID }));
    assert.deepEqual(await list(), [entry(bob), entry(carol)]);
    refused(await call(dave, 'contact/add', { userID: dave.userID }), 400, '40002', 'userID');
    refused(await call(dave, 'contact/add', { userID: '999999999' }), 404, '40401', 'userID');
    refused(await call(dave, 'contact/add', { userID: 'abc' }), 404, '40401', 'userID');
    refused(await call(dave, 'contact/add', {}), 400, '40002', 'userID');

    assert.deepEqual(succeeded(await call(dave, 'contact/remove', { userID: bob.userID })), { success: true, message: 'Contact removed' });
    assert.deepEqual(await list(), [entry(carol)]);
    assert.deepEqual(succeeded(await call(alice, 'contact/list')), { contacts: [] }, 'lists are per user');
    refused(await call(dave, 'contact/remove', { userID: '999999999' }), 404, '40401', 'userID');
    refused(await call(dave, 'contact/remove', { userID: true }), 400, '40002', 'userID');
  });

  it('finds a user by username, exactly or ignoring case', async () => {
    const ticket = await post(
      t.app,
      '/v1/server/auth_ticket/request',
      { 'server-key': t.project.serverKey.header },
      {
        userIPAddress: '10.0.0.1',
        userAgent: 'test',
        userPlatform: 'web',
        userDeviceID: 'device-1',
        xcUserID: `xc-grace-${dialect}`,
        fullName: 'Grace Hopper',
        username: 'Grace.Hopper',
      },
    );
    assert.equal(ticket.body.status, 200, JSON.stringify(ticket.body.error));
    const exact = succeeded<{ user: { username: string; fullname: string } }>(
      await call(alice, 'user/get_by_username', { username: 'Grace.Hopper', ignoreCase: false }),
    );
    assert.equal(exact.user.fullname, 'Grace Hopper');
    refused(await call(alice, 'user/get_by_username', { username: 'grace.hopper' }), 404, '40401', 'username');
    const loose = succeeded<{ user: { username: string } }>(await call(alice, 'user/get_by_username', { username: 'grace.hopper', ignoreCase: true }));
    assert.equal(loose.user.username, 'Grace.Hopper');
    refused(await call(alice, 'user/get_by_username', { username: 'nobody', ignoreCase: true }), 404, '40401');
    refused(await call(alice, 'user/get_by_username', { ignoreCase: true }), 400, '40002', 'username');
    refused(await call(alice, 'user/get_by_username', { username: 'Grace.Hopper', ignoreCase: 'yes' }), 400, '40002', 'ignoreCase');
  });
});
