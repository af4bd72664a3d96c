// The PowerTalk server API beyond tickets (issue #12): user/update, contact/sync, room/create_or_update
// and message/send/custom, what clients see of each, their refusals, and Idempotency-Key.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decryptContent } from '../src/chat/cipher.ts';
import { type TestApp, createTestApp, post } from './support/app.ts';
import { type ChatUser, ChatSocket, clientCall, listen, loginUser, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

await eachDialect(describe, 'server API', (dialect) => {
  let t: TestApp;
  let base: string;
  let key: Record<string, string>;
  let alice: ChatUser;
  let bob: ChatUser;
  let aliceWs: ChatSocket;
  let bobWs: ChatSocket;
  const call = <T = Record<string, unknown>>(path: string, body: unknown, headers: Record<string, string> = {}) =>
    post<T>(t.app, path, { ...key, ...headers }, body);
  const xcOf = (u: ChatUser) => u.user.xcUserID as string;

  before(async () => {
    t = await createTestApp(dialect);
    t.clock.now = () => Date.now();
    base = await listen(t);
    key = { 'server-key': t.project.serverKey.header };
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
    aliceWs = await ChatSocket.open(socketUrl(base, t.project.appKey.header, alice.accessToken));
    bobWs = await ChatSocket.open(socketUrl(base, t.project.appKey.header, bob.accessToken));
  });
  after(async () => {
    await aliceWs.close();
    await bobWs.close();
    await t.close();
  });

  it('message/send/custom: a plain-text message on behalf of a user, encrypted and delivered live', async () => {
    const res = await call<{ success: boolean; localID: string; messageID: string }>('/v1/server/message/send/custom', {
      senderXCUserID: xcOf(alice),
      recipientXCUserID: xcOf(bob),
      messageType: 1001,
      body: 'Your order has shipped 📦',
      filterID: 'order-1',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body.error));
    assert.equal(res.body.data.success, true);
    const got = await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === res.body.data.localID);
    assert.equal(got.data.messageID, res.body.data.messageID);
    assert.equal(decryptContent(got.data.body, got.data.localID), 'Your order has shipped 📦');
    assert.equal(got.data.room.roomID, personalRoom(alice, bob));
    assert.equal(got.data.filterID, 'order-1');
    assert.equal(got.data.user.userID, alice.userID);
  });

  it('message/send/custom: images, products and custom types carry their data; a retried localID is answered, not repeated', async () => {
    const images = JSON.stringify([{ url: 'https://example.com/a.jpg', mediaType: 'image/jpeg', size: 10, width: 4, height: 3, caption: 'a' }]);
    const image = await call<{ localID: string; messageID: string }>('/v1/server/message/send/custom', {
      senderXCUserID: xcOf(alice),
      recipientXCUserID: xcOf(bob),
      messageType: 1002,
      body: '🖼 Photo',
      data: images,
      localID: 'server-image-1',
    });
    assert.equal(image.status, 200, JSON.stringify(image.body.error));
    const got = await bobWs.waitFor((e) => e.data?.localID === 'server-image-1');
    assert.equal(decryptContent(got.data.data, 'server-image-1'), images);
    const again = await call<{ messageID: string }>('/v1/server/message/send/custom', {
      senderXCUserID: xcOf(alice),
      recipientXCUserID: xcOf(bob),
      messageType: 1002,
      body: '🖼 Photo',
      data: images,
      localID: 'server-image-1',
    });
    assert.equal(again.body.data.messageID, image.body.data.messageID, 'the same message, not a second one');
    const custom = await call('/v1/server/message/send/custom', {
      senderXCUserID: xcOf(alice),
      recipientXCUserID: xcOf(bob),
      messageType: 3001,
      body: 'x',
      data: '{"k":1}',
    });
    assert.equal(custom.status, 200);
  });

  it('message/send/custom refuses what it cannot send, with the field', async () => {
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ recipientXCUserID: xcOf(bob), messageType: 1001, body: 'x' }, 400, '40002', '101'],
      [{ senderXCUserID: xcOf(alice), messageType: 1001, body: 'x' }, 400, '40002', '102'],
      [{ senderXCUserID: xcOf(alice), recipientXCUserID: xcOf(bob), xcRoomID: 'r', messageType: 1001, body: 'x' }, 400, '40002', '102'],
      [{ senderXCUserID: xcOf(alice), recipientXCUserID: xcOf(bob), messageType: 9001, body: 'x' }, 400, '40002', '104'],
      [{ senderXCUserID: xcOf(alice), recipientXCUserID: xcOf(bob), messageType: 1001, body: 'x', data: '{}' }, 400, '40002', '106'],
      [{ senderXCUserID: xcOf(alice), recipientXCUserID: xcOf(bob), messageType: 1002, body: 'x', data: '[{"nourl":1}]' }, 400, '40002', '106'],
      [{ senderXCUserID: xcOf(alice), recipientXCUserID: xcOf(bob), messageType: 3005, body: 'x', data: 'not json' }, 400, '40002', '106'],
      [{ senderXCUserID: 'nobody', recipientXCUserID: xcOf(bob), messageType: 1001, body: 'x' }, 404, '40401', '101'],
      [{ senderXCUserID: xcOf(alice), recipientXCUserID: 'nobody', messageType: 1001, body: 'x' }, 404, '40401', '102'],
      [{ senderXCUserID: xcOf(alice), xcRoomID: 'no-such-room', messageType: 1001, body: 'x' }, 404, '40402', '103'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await call('/v1/server/message/send/custom', body);
      assert.deepEqual([res.status, res.body.error.code, res.body.error.field], [status, code, field], JSON.stringify(body));
    }
  });

  it('message/send/custom: a recipient who blocked the sender is not written to', async () => {
    const carol = await loginUser(t, 'Carol');
    assert.equal((await clientCall(t, carol, '/v1/client/contact/block', { userID: alice.userID })).status, 200);
    const res = await call('/v1/server/message/send/custom', { senderXCUserID: xcOf(alice), recipientXCUserID: xcOf(carol), messageType: 1001, body: 'hi' });
    assert.deepEqual([res.status, res.body.error.code, res.body.error.field], [403, '40301', '102']);
  });

  it('room/create_or_update: a transaction room appears live for its participants, by xcUserID and by role; updates keep the type', async () => {
    const agent = await call<{ userID: string }>('/v1/server/user/update', { xcUserID: 'agent-7', fullName: 'Agent Seven', userRoleCode: 'agent:1' });
    assert.equal(agent.status, 200, JSON.stringify(agent.body.error));
    const created = await call<{ room: { roomID: string; type: number; xcRoomID: string; name: string }; participants: Array<{ userID: string }> }>(
      '/v1/server/room/create_or_update',
      {
        xcRoomID: 'order-42',
        type: 4,
        name: 'Order #42',
        participantXCUserIDs: [xcOf(alice), xcOf(bob)],
        participantUserRoles: ['agent:1'],
        tags: ['category:1'],
      },
    );
    assert.equal(created.status, 200, JSON.stringify(created.body.error));
    const room = created.body.data.room;
    assert.deepEqual([room.type, room.xcRoomID, room.name], [4, 'order-42', 'Order #42']);
    assert.deepEqual(created.body.data.participants.map((p) => p.userID).sort(), [alice.userID, bob.userID, agent.body.data.userID].sort());
    const seen = await bobWs.waitFor((e) => e.data?.action === 'room/create' && e.data.room.roomID === room.roomID);
    assert.equal(seen.data.room.type, 4);
    const listed = await clientCall(t, bob, '/v1/client/room/get', { roomID: room.roomID });
    assert.equal(listed.status, 200);
    // Sending into it by xcRoomID, on behalf of a participant.
    const sent = await call<{ localID: string }>('/v1/server/message/send/custom', {
      senderXCUserID: xcOf(bob),
      xcRoomID: 'order-42',
      messageType: 1001,
      body: 'Hello from the shop',
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body.error));
    await aliceWs.waitFor((e) => e.data?.localID === sent.body.data.localID);
    // An update renames; the participants hear of it; the type cannot change.
    const renamed = await call('/v1/server/room/create_or_update', { xcRoomID: 'order-42', type: 4, name: 'Order #42 (shipped)' });
    assert.equal(renamed.status, 200);
    await aliceWs.waitFor((e) => e.data?.action === 'room/update' && e.data.room.name === 'Order #42 (shipped)');
    const typeChange = await call('/v1/server/room/create_or_update', { xcRoomID: 'order-42', type: 2, name: 'x' });
    assert.deepEqual([typeChange.status, typeChange.body.error.code, typeChange.body.error.field], [400, '40002', '102']);
    // A user who gets the role later joins the room.
    const late = await call<{ userID: string }>('/v1/server/user/update', { xcUserID: 'agent-8', fullName: 'Agent Eight', userRoleCode: 'agent:1' });
    const state = await clientCall<{ participants: Array<{ userID: string }> }>(t, alice, '/v1/client/room/get', { roomID: room.roomID });
    assert.ok(state.data.participants.some((p) => p.userID === late.body.data.userID));
  });

  it('room/create_or_update refuses a bad type, an unknown participant and missing fields, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ type: 2, name: 'x' }, 400, '40002', '101'],
      [{ xcRoomID: 'r1', name: 'x' }, 400, '40002', '102'],
      [{ xcRoomID: 'r1', type: 3, name: 'x' }, 400, '40002', '102'],
      [{ xcRoomID: 'r1', type: 2 }, 400, '40002', '103'],
      [{ xcRoomID: 'r1', type: 2, name: 'x', tags: [1] }, 400, '40002', '106'],
      [{ xcRoomID: 'r1', type: 2, name: 'x', participantXCUserIDs: ['ghost'] }, 404, '40401', '107'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await call('/v1/server/room/create_or_update', body);
      assert.deepEqual([res.status, res.body.error.code, res.body.error.field], [status, code, field], JSON.stringify(body));
    }
  });

  it("user/update: creates or updates by xcUserID; peers' clients get the new name at once", async () => {
    const fresh = await call<{ userID: string }>('/v1/server/user/update', { xcUserID: 'brand-new', fullName: 'Newcomer' });
    assert.equal(fresh.status, 200);
    assert.match(fresh.body.data.userID, /^[1-9][0-9]*$/);
    const missing = await call('/v1/server/user/update', { fullName: 'No id' });
    assert.deepEqual(
      [missing.status, missing.body.error.code, missing.body.error.message, missing.body.error.field],
      [400, '40002', "Param 'xcUserID' is required", '105'],
    );
    const badEmail = await call('/v1/server/user/update', { xcUserID: 'x', fullName: 'y', email: 'nope' });
    assert.deepEqual([badEmail.body.error.code, badEmail.body.error.field], ['40002', '107']);
    const mark = bobWs.events.length;
    const renamed = await call<{ userID: string }>('/v1/server/user/update', { xcUserID: xcOf(alice), fullName: 'Alice Renamed' });
    assert.equal(renamed.body.data.userID, alice.userID);
    const note = await bobWs.waitFor((e) => e.data?.action === 'user/update', 5000, mark);
    assert.equal(note.data.isHidden, true);
    assert.equal(note.data.room.name, 'Alice Renamed', "Bob's room with Alice now carries her new name");
    const user = await clientCall<{ user: { fullname: string } }>(t, bob, '/v1/client/user/get_by_id', { id: alice.userID });
    assert.equal(user.data.user.fullname, 'Alice Renamed');
  });

  it('contact/sync: inserts, then deletes, all or nothing', async () => {
    const users = ['c1', 'c2', 'c6', 'c9'];
    for (const xc of users) await call('/v1/server/user/update', { xcUserID: xc, fullName: xc });
    await call('/v1/server/contact/sync', { contacts: [{ ownerXCUserID: 'c1', contactXCUserID: 'c9' }] });
    const res = await call<{ countInserted: number; countDeleted: number }>('/v1/server/contact/sync', {
      contacts: [
        { ownerXCUserID: 'c1', contactXCUserID: 'c2' },
        { ownerXCUserID: 'c1', contactXCUserID: 'c6', isDeleted: false },
        { ownerXCUserID: 'c1', contactXCUserID: 'c9', isDeleted: true },
        { ownerXCUserID: 'c6', contactXCUserID: 'c1', isDeleted: false },
        { ownerXCUserID: 'c6', contactXCUserID: 'c2' },
        { ownerXCUserID: 'c6', contactXCUserID: 'c2', isDeleted: 'true' },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body.error));
    assert.deepEqual(res.body.data, { countInserted: 3, countDeleted: 1 });
    const empty = await call('/v1/server/contact/sync', { contacts: [] });
    assert.deepEqual([empty.status, empty.body.error.message, empty.body.error.field], [400, "Param 'contacts' cannot be empty", '101']);
    const unknown = await call('/v1/server/contact/sync', {
      contacts: [
        { ownerXCUserID: 'c2', contactXCUserID: 'c1' },
        { ownerXCUserID: 'c2', contactXCUserID: 'ghost' },
      ],
    });
    assert.deepEqual([unknown.status, unknown.body.error.code, unknown.body.error.field], [404, '40401', '103']);
    const again = await call<{ countInserted: number }>('/v1/server/contact/sync', { contacts: [{ ownerXCUserID: 'c2', contactXCUserID: 'c1' }] });
    assert.equal(again.body.data.countInserted, 1, 'the refused call wrote nothing');
  });

  it('Idempotency-Key: a retry gets the first answer without doing the work twice; another request with the key is refused', async () => {
    const body = { senderXCUserID: xcOf(alice), recipientXCUserID: xcOf(bob), messageType: 1001, body: 'exactly once' };
    const headers = { 'idempotency-key': `key-${dialect}` };
    const first = await call<{ localID: string; messageID: string }>('/v1/server/message/send/custom', body, headers);
    const second = await call<{ localID: string; messageID: string }>('/v1/server/message/send/custom', body, headers);
    assert.equal(first.status, 200);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    const history = await clientCall<{ messages: Array<{ localID: string }> }>(t, bob, '/v1/chat/message/list_by_room/before', {
      roomID: personalRoom(alice, bob),
      maxCreated: 0,
      limit: 100,
    });
    const mine = history.data.messages.filter((m) => m.localID === first.body.data.localID);
    assert.equal(mine.length, 1);
    assert.equal(history.data.messages.filter((m) => decryptContent((m as unknown as { body: string }).body, m.localID) === 'exactly once').length, 1);
    const other = await call('/v1/server/message/send/custom', { ...body, body: 'something else' }, headers);
    assert.deepEqual([other.status, other.body.error.code], [422, '42201']);
    const badKey = await call('/v1/server/message/send/custom', body, { 'idempotency-key': ' ' });
    assert.deepEqual([badKey.status, badKey.body.error.code], [400, '40001']);
  });
});
