// What a hostile chat member can do to others (issue #9): messages that would break everyone's reads,
// forged system messages, oversized room lists, and answers that reveal which message ids exist.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, createTestApp } from './support/app.ts';
import { type ChatUser, ChatSocket, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

/** `[[[…]]]` nested `depth` levels deep. */
function nestedArrays(depth: number): unknown {
  return JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

await eachDialect(describe, 'chat: hostile members', (dialect) => {
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let bob: ChatUser;
  let aliceWs: ChatSocket;
  const open = (u: ChatUser) => ChatSocket.open(socketUrl(base, t.project.appKey.header, u.accessToken));
  const errorFor = (ws: ChatSocket, localID: string, from: number) => ws.waitFor((e) => e.eventName === 'error' && e.data.localID === localID, 5000, from);

  before(async () => {
    t = await createTestApp(dialect);
    base = await listen(t);
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
    aliceWs = await open(alice);
  });
  after(async () => {
    await aliceWs.close();
    await t.close();
  });

  for (const field of ['quote', 'replyTo', 'forwardFrom', 'target'] as const) {
    it(`refuses a ${field} nested thousands of levels deep, and the room stays readable`, async () => {
      const room = personalRoom(alice, bob);
      const out = outgoingMessage(room, alice, 'poison', { [field]: { content: nestedArrays(4100) } });
      const mark = aliceWs.events.length;
      aliceWs.emit('chat/sendMessage', out);
      const error = await errorFor(aliceWs, out.localID, mark);
      assert.equal(error.data.code, '40002');
      assert.equal(error.data.field, field);
      for (const u of [alice, bob]) {
        const list = await clientCall(t, u, '/v1/chat/message/room_list_and_unread');
        assert.equal(list.status, 200, JSON.stringify(list.error));
        const before = await clientCall(t, u, '/v1/chat/message/list_by_room/before', { roomID: room, maxCreated: 0, limit: 50 });
        assert.equal(before.status, 200, JSON.stringify(before.error));
        assert.ok(!(before.data.messages as Array<{ localID: string }>).some((m) => m.localID === out.localID), 'nothing of it was stored');
      }
    });
  }

  it('keeps a room readable when a deeply nested message is already stored', async () => {
    // A message stored before the bound existed (written straight into the table, as an old version would have).
    const room = personalRoom(alice, bob);
    const good = outgoingMessage(room, alice, 'before the poison');
    aliceWs.emit('chat/sendMessage', good);
    const echo = await aliceWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === good.localID);
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const poisoned = `{"filterID":"","quote":{"content":${deep}},"replyTo":{},"forwardFrom":{},"target":{},"recipientID":"0","action":""}`;
    await t.deps.db.updateTable('messages').set({ extra: poisoned }).where('id', '=', Number(echo.data.messageID)).execute();
    for (const u of [alice, bob]) {
      const list = await clientCall(t, u, '/v1/chat/message/room_list_and_unread');
      assert.equal(list.status, 200, JSON.stringify(list.error));
      const page = await clientCall(t, u, '/v1/chat/message/list_by_room/before', { roomID: room, maxCreated: 0, limit: 50 });
      assert.equal(page.status, 200, JSON.stringify(page.error));
      const m = (page.data.messages as Array<{ messageID: string; quote: Record<string, unknown> }>).find((x) => x.messageID === echo.data.messageID);
      assert.ok(m !== undefined, 'the message is still listed');
      assert.equal(typeof m.quote.content, 'string', 'the unreadable quote is replaced by an empty one');
      const after = await clientCall(t, u, '/v1/chat/message/list_by_room/after', { roomID: room, minCreated: 0, lastUpdated: 0 });
      assert.equal(after.status, 200, JSON.stringify(after.error));
    }
    // And its sender can delete it.
    const del = await clientCall(t, alice, '/v1/chat/message/delete', { roomID: room, messageIDs: [echo.data.messageID], forEveryone: true });
    assert.equal(del.status, 200, JSON.stringify(del.error));
  });

  it('refuses system messages and system actions from members: only the server writes them', async () => {
    const created = await clientCall(t, alice, '/v1/client/room/create', { name: 'Team', type: 2, userIDs: [bob.userID] });
    assert.equal(created.status, 200, JSON.stringify(created.error));
    const team = (created.data.room as { roomID: string }).roomID;
    const bobWs = await open(bob);
    try {
      const forged = [
        { field: 'type', message: outgoingMessage(team, bob, 'Room deleted', { type: 9001, action: 'room/delete' }) },
        { field: 'action', message: outgoingMessage(team, bob, 'Renamed', { action: 'room/update' }) },
      ];
      for (const { field, message } of forged) {
        const mark = bobWs.events.length;
        bobWs.emit('chat/sendMessage', message);
        const error = await errorFor(bobWs, message.localID, mark);
        assert.equal(error.data.code, '40301');
        assert.equal(error.data.field, field);
      }
      // A message sent after them arrives; the forged ones never did, and the room is still there.
      const fine = outgoingMessage(team, bob, 'still here');
      bobWs.emit('chat/sendMessage', fine);
      await aliceWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === fine.localID);
      for (const { message } of forged)
        assert.equal(
          aliceWs.events.some((e) => e.data?.localID === message.localID),
          false,
        );
      const page = await clientCall(t, alice, '/v1/chat/message/list_by_room/before', { roomID: team, maxCreated: 0, limit: 50 });
      const stored = page.data.messages as Array<{ localID: string }>;
      for (const { message } of forged)
        assert.equal(
          stored.some((m) => m.localID === message.localID),
          false,
        );
      const room = await clientCall(t, alice, '/v1/client/room/get', { roomID: team });
      assert.equal(room.status, 200, JSON.stringify(room.error));
    } finally {
      await bobWs.close();
    }
  });

  it('answers an update of a message in a room one is not in exactly as an unknown id', async () => {
    const room = personalRoom(alice, bob);
    const out = outgoingMessage(room, alice, 'private');
    aliceWs.emit('chat/sendMessage', out);
    const echo = await aliceWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
    const carol = await loginUser(t, 'Carol');
    const carolWs = await open(carol);
    try {
      const answers = [];
      for (const messageID of [echo.data.messageID, '999999999']) {
        const probe = { ...outgoingMessage(room, carol, 'edited'), messageID, isRead: true };
        const mark = carolWs.events.length;
        carolWs.emit('chat/updateMessage', probe);
        const { eventName, localID: _, ...error } = (await errorFor(carolWs, probe.localID, mark)).data;
        answers.push(error);
      }
      assert.equal(answers[0].code, '40403');
      assert.deepEqual(answers[0], answers[1]);
      const page = await clientCall(t, alice, '/v1/chat/message/list_by_room/before', { roomID: room, maxCreated: 0, limit: 50 });
      const m = (page.data.messages as Array<{ localID: string; isRead: boolean }>).find((x) => x.localID === out.localID);
      assert.equal(m?.isRead, false, 'nothing changed');
    } finally {
      await carolWs.close();
    }
  });
});
