// The chat socket and message events (spec §4): echo to both sides, binary frames, idempotent
// replays, edits, deletes, delivered/read, typing, presence, and refusals that hurt nobody else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decryptContent } from '../src/chat/cipher.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { type ChatUser, ChatSocket, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

await eachDialect(describe, 'chat socket', (dialect) => {
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let bob: ChatUser;
  let aliceWs: ChatSocket;
  let bobWs: ChatSocket;
  const open = (u: ChatUser) => ChatSocket.open(socketUrl(base, t.project.appKey.header, u.accessToken));

  before(async () => {
    t = await createTestApp(dialect);
    base = await listen(t);
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
    aliceWs = await open(alice);
    bobWs = await open(bob);
  });
  after(async () => {
    await aliceWs.close();
    await bobWs.close();
    await t.close();
  });

  it('stores a message and echoes it to both participants, named per viewer', async () => {
    const room = personalRoom(alice, bob);
    const out = outgoingMessage(room, alice, 'Hello Bob 👋');
    aliceWs.emit('chat/sendMessage', out);
    const echo = await aliceWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
    const received = await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
    assert.match(echo.data.messageID, /^[1-9][0-9]*$/);
    assert.equal(received.data.messageID, echo.data.messageID);
    assert.equal(echo.data.isSending, false);
    assert.equal(received.data.body, out.body, 'ciphertext is relayed untouched');
    assert.equal(decryptContent(received.data.body, received.data.localID), 'Hello Bob 👋');
    assert.equal(received.data.user.userID, alice.userID);
    assert.equal(echo.data.room.name, 'Bob');
    assert.equal(received.data.room.name, 'Alice');
    assert.equal(received.data.room.roomID, room);
    assert.deepEqual(aliceWs.problems, []);
    assert.deepEqual(bobWs.problems, []);
  });

  it("a message's frames carry its sender as the profile is now, not as it was serialised for earlier messages", async () => {
    const room = personalRoom(alice, bob);
    const received = async (text: string) => {
      const out = outgoingMessage(room, alice, text);
      aliceWs.emit('chat/sendMessage', out);
      return bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
    };
    const before = await received('before the bio');
    assert.equal(before.data.user.bio, '');
    assert.equal((await clientCall(t, alice, '/v1/client/user/update_bio', { bio: 'Changed just now' })).status, 200);
    const afterChange = await received('after the bio');
    assert.equal(afterChange.data.user.bio, 'Changed just now');
    assert.equal(afterChange.data.room.name, 'Alice');
    assert.equal((await received('and again')).data.user.bio, 'Changed just now');
    assert.equal((await clientCall(t, alice, '/v1/client/user/update_bio', { bio: '' })).status, 200);
    assert.equal((await received('bio cleared')).data.user.bio, '');
  });

  it('refuses an upgrade whose query repeats a credential, as a repeated key header is refused', async () => {
    const url = new URL(socketUrl(base, t.project.appKey.header, alice.accessToken));
    for (const [name, extra, code] of [
      ['app_key', 'junk', '49102'],
      ['authorization', 'Bearer junk', '40102'],
    ] as const) {
      const repeated = new URL(url);
      repeated.searchParams.append(name, extra);
      await assert.rejects(ChatSocket.open(repeated.toString()), (err: { body?: string }) => {
        assert.equal(JSON.parse(err.body ?? '{}').error.code, code, name);
        return true;
      });
    }
  });

  it('answers a replayed localID with the stored message instead of a second one, and counts each as such', async () => {
    const counts = async () => {
      const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      const count = (event: string) => Number(new RegExp(`^parley_chat_messages_total\\{event="${event}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      return { sent: count('sent'), replayed: count('replayed') };
    };
    const before = await counts();
    const room = personalRoom(alice, bob);
    const out = outgoingMessage(room, alice, 'once');
    aliceWs.emit('chat/sendMessage', out);
    const first = await aliceWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
    const mark = aliceWs.events.length;
    aliceWs.emit('chat/sendMessage', out);
    const again = await aliceWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID, 5000, mark);
    assert.equal(again.data.messageID, first.data.messageID);
    const history = await clientCall(t, bob, '/v1/chat/message/list_by_room/before', { roomID: room, maxCreated: 0, limit: 50 });
    const copies = (history.data.messages as Array<{ localID: string }>).filter((m) => m.localID === out.localID);
    assert.equal(copies.length, 1);
    assert.deepEqual(await counts(), { sent: before.sent + 1, replayed: before.replayed + 1 });
  });

  it('refuses a room the sender is not in, with an error event, and keeps the socket working', async () => {
    const carol = await loginUser(t, 'Carol');
    const out = outgoingMessage(personalRoom(bob, carol), alice, 'sneaky');
    const mark = aliceWs.events.length;
    aliceWs.emit('chat/sendMessage', out);
    const error = await aliceWs.waitFor((e) => e.eventName === 'error', 5000, mark);
    assert.equal(error.data.code, '40301');
    aliceWs.ws.send('{not json');
    const malformed = await aliceWs.waitFor((e) => e.eventName === 'error' && e.data.code === '40002', 5000, mark);
    assert.equal(malformed.data.status, 400);
    const ok = outgoingMessage(personalRoom(alice, bob), alice, 'still here');
    aliceWs.emit('chat/sendMessage', ok);
    await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === ok.localID);
  });

  it('marks delivered and read, telling both sides in order', async () => {
    const room = personalRoom(alice, bob);
    const out = outgoingMessage(room, alice, 'read me');
    aliceWs.emit('chat/sendMessage', out);
    const got = await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
    const id = got.data.messageID as string;
    const delivered = await clientCall(t, bob, '/v1/chat/message/feedback/delivered', { messageIDs: [id, '0', '999999999'] });
    assert.deepEqual(delivered.data, { updatedMessageIDs: [id] });
    const update = await aliceWs.waitFor((e) => e.eventName === 'chat/updateMessage' && e.data.messageID === id && e.data.isDelivered);
    assert.equal(update.data.isRead, false);
    // Alice's own message: ignored.
    const own = await clientCall(t, alice, '/v1/chat/message/feedback/read', { messageIDs: [id] });
    assert.deepEqual(own.data, { updatedMessageIDs: [] });
    const read = await clientCall(t, bob, '/v1/chat/message/feedback/read', { messageIDs: [id] });
    assert.deepEqual(read.data, { updatedMessageIDs: [id] });
    await aliceWs.waitFor((e) => e.eventName === 'chat/updateMessage' && e.data.messageID === id && e.data.isRead);
    await bobWs.waitFor((e) => e.eventName === 'chat/updateMessage' && e.data.messageID === id && e.data.isRead);
  });

  it('lets the sender edit and delete, and nobody else', async () => {
    const room = personalRoom(alice, bob);
    const out = outgoingMessage(room, alice, 'typo');
    aliceWs.emit('chat/sendMessage', out);
    const echo = await aliceWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
    const edited = outgoingMessage(room, alice, 'fixed', { localID: out.localID, messageID: echo.data.messageID, isMessageEdited: true });
    const { encryptContent } = await import('../src/chat/cipher.ts');
    edited.body = encryptContent('fixed', out.localID);
    aliceWs.emit('chat/updateMessage', edited);
    const change = await bobWs.waitFor((e) => e.eventName === 'chat/updateMessage' && e.data.localID === out.localID && e.data.isMessageEdited);
    assert.equal(decryptContent(change.data.body, out.localID), 'fixed');
    const mark = bobWs.events.length;
    bobWs.emit('chat/updateMessage', { ...edited, body: encryptContent('hijack', out.localID) });
    const refused = await bobWs.waitFor((e) => e.eventName === 'error' && e.data.eventName === 'chat/updateMessage', 5000, mark);
    assert.equal(refused.data.code, '40301');
    const del = await clientCall(t, bob, '/v1/chat/message/delete', { roomID: room, messageIDs: [echo.data.messageID], forEveryone: true });
    assert.deepEqual(del.data, { deletedMessageIDs: [] });
    const mine = await clientCall(t, alice, '/v1/chat/message/delete', { roomID: room, messageIDs: [echo.data.messageID], forEveryone: true });
    assert.deepEqual(mine.data, { deletedMessageIDs: [echo.data.messageID] });
    const gone = await bobWs.waitFor((e) => e.eventName === 'chat/updateMessage' && e.data.localID === out.localID && e.data.isDeleted, 5000, mark);
    assert.equal(decryptContent(gone.data.body, out.localID), 'fixed');
  });

  it('refuses oversized messages and frames with an error event, and stays open', async () => {
    const room = personalRoom(alice, bob);
    const mark = aliceWs.events.length;
    const big = outgoingMessage(room, alice, 'x');
    big.body = 'A'.repeat(70_000);
    aliceWs.emit('chat/sendMessage', big);
    const tooLong = await aliceWs.waitFor((e) => e.eventName === 'error' && e.data.localID === big.localID, 5000, mark);
    assert.equal(tooLong.data.code, '41300');
    assert.equal(tooLong.data.field, 'body');
    aliceWs.ws.send(JSON.stringify({ eventName: 'chat/sendMessage', data: { pad: 'B'.repeat(300_000) } }));
    const frame = await aliceWs.waitFor((e) => e.eventName === 'error' && e.data.code === '41300' && e.data.field === '', 5000, mark);
    assert.match(frame.data.message, /Frames are limited/);
    for (const bad of [
      '[]',
      '42',
      '{"eventName":7}',
      '{"eventName":"chat/sendMessage","data":"x"}',
      '{"eventName":"chat/sendMessage","data":{"room":{}}}',
      '{"eventName":"nope"}',
    ]) {
      const before = aliceWs.events.length;
      aliceWs.ws.send(bad);
      const e = await aliceWs.waitFor((ev) => ev.eventName === 'error', 5000, before);
      assert.equal(e.data.code, '40002', bad);
    }
    const ok = outgoingMessage(room, alice, 'after the garbage');
    aliceWs.emit('chat/sendMessage', ok);
    await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === ok.localID);
    assert.equal(await t.app.inject({ method: 'GET', url: '/healthz' }).then((r) => r.statusCode), 200);
  });

  it('gives messages of one room distinct times, so paging by created finds every one', async () => {
    // The test clock stands still: every message is sent "in the same millisecond".
    const carol = await loginUser(t, 'Carol2');
    const carolWs = await open(carol);
    const room = personalRoom(alice, carol);
    const sent = Array.from({ length: 7 }, (_, i) => outgoingMessage(room, alice, `burst ${i}`));
    for (const m of sent) aliceWs.emit('chat/sendMessage', m);
    for (const m of sent) await carolWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === m.localID);
    const seen: string[] = [];
    let maxCreated = 0;
    for (let page = 0; page < 10; page++) {
      const res = await clientCall(t, carol, '/v1/chat/message/list_by_room/before', { roomID: room, maxCreated, limit: 2 });
      const list = res.data.messages as Array<{ localID: string; created: number }>;
      seen.push(...list.map((m) => m.localID));
      if (res.data.hasMore !== true) break;
      maxCreated = (list.at(-1) as { created: number }).created;
    }
    assert.deepEqual(seen, sent.map((m) => m.localID).reverse());
    await carolWs.close();
  });

  it('forwards typing to the other participant only', async () => {
    const room = personalRoom(alice, bob);
    const mark = aliceWs.events.length;
    aliceWs.emit('chat/startTyping', { roomID: room, user: alice.user });
    const typing = await bobWs.waitFor((e) => e.eventName === 'chat/startTyping' && e.data.roomID === room);
    assert.equal(typing.data.user.userID, alice.userID);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(
      aliceWs.events.slice(mark).some((e) => e.eventName === 'chat/startTyping'),
      false,
    );
  });

  it('lists the room with the newest message and unread messages, newest first', async () => {
    const res = await clientCall(t, bob, '/v1/chat/message/room_list_and_unread');
    assert.equal(res.status, 200);
    const list = res.data.messages as Array<{ created: number; room: { roomID: string; name: string } }>;
    assert.ok(list.length > 0);
    for (let i = 1; i < list.length; i++) assert.ok((list[i - 1] as { created: number }).created >= (list[i] as { created: number }).created);
    assert.equal(list[0]?.room.name, 'Alice');
  });

  it('refuses an upgrade with a bad token, and closes sockets when the session ends', async () => {
    await assert.rejects(ChatSocket.open(socketUrl(base, t.project.appKey.header, 'nonsense')), (err: { statusCode?: number; body?: string }) => {
      assert.equal(err.statusCode, 401);
      assert.equal(JSON.parse(err.body ?? '').error.code, '40103');
      return true;
    });
    const dave = await loginUser(t, 'Dave');
    const ws = await open(dave);
    const closed = new Promise<number>((resolve) => ws.ws.once('close', (code) => resolve(code)));
    await clientCall(t, dave, '/v1/client/logout');
    assert.equal(await closed, 4001);
  });
});
