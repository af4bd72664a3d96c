// The lists a client loads at start and after being offline (spec §7.4): bounded whatever was sent
// to the user (issue #9: 1,000 unread 130 KB messages made each call 125 MB), and `new_and_updated`
// never skips a change, even when an answer is cut off or does not fit in one call.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type TestApp, createTestApp } from './support/app.ts';
import { type ChatUser, ChatSocket, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

interface Listed {
  messageID: string;
  localID: string;
  body: string;
  data: string;
  room: { roomID: string };
}

const contentChars = (list: Listed[]) => list.reduce((n, m) => n + m.body.length + m.data.length, 0);

/** Sends `count` messages from `from` to the room and waits for their echoes; returns their localIDs in order. */
async function sendMany(ws: ChatSocket, room: string, from: ChatUser, count: number, padding: number): Promise<string[]> {
  const sent: string[] = [];
  for (let i = 0; i < count; i++) {
    const out = outgoingMessage(room, from, `message ${i}`, { data: 'x'.repeat(padding) });
    ws.emit('chat/sendMessage', out);
    sent.push(out.localID);
  }
  const last = sent.at(-1) as string;
  await ws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === last, 60_000);
  return sent;
}

const list = async (t: TestApp, u: ChatUser, path: string) => {
  const res = await clientCall(t, u, path);
  assert.equal(res.status, 200, JSON.stringify(res.error));
  return res.data.messages as Listed[];
};

await eachDialect(describe, 'chat lists: bounded answers', (dialect) => {
  const BUDGET = 1024 * 1024;
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let bob: ChatUser;
  let bobWs: ChatSocket;

  before(async () => {
    t = await createTestApp(dialect, { PARLEY_LIST_MAX_CHARS: String(BUDGET) });
    base = await listen(t);
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
    bobWs = await ChatSocket.open(socketUrl(base, t.project.appKey.header, bob.accessToken));
  });
  after(async () => {
    await bobWs.close();
    await t.close();
  });

  it('keeps room_list_and_unread within its size, the newest message of every room first', async () => {
    const carol = await loginUser(t, 'Carol');
    const carolWs = await ChatSocket.open(socketUrl(base, t.project.appKey.header, carol.accessToken));
    const quiet = outgoingMessage(personalRoom(alice, carol), carol, 'an older room');
    carolWs.emit('chat/sendMessage', quiet);
    await carolWs.waitFor((e) => e.data?.localID === quiet.localID);
    await carolWs.close();
    // 40 unread messages of ~60,000 characters each: 2.4 M characters for a 1 M answer.
    const sent = await sendMany(bobWs, personalRoom(alice, bob), bob, 40, 60_000);
    const listed = await list(t, alice, '/v1/chat/message/room_list_and_unread');
    assert.ok(contentChars(listed) <= BUDGET, `answer holds ${contentChars(listed)} characters of content`);
    assert.equal(listed[0]?.localID, sent.at(-1), 'the newest message comes first');
    assert.ok(
      listed.some((m) => m.localID === quiet.localID),
      'the quieter room is listed too',
    );
    const fromBob = listed.filter((m) => m.room.roomID === personalRoom(alice, bob)).map((m) => m.localID);
    assert.deepEqual(fromBob, sent.slice(-fromBob.length).reverse(), 'the newest unread, newest first, none skipped between');
  });

  it('hands out what new_and_updated cannot fit in one answer with the next calls, each change once', async () => {
    t.clock.advance(60_000);
    await list(t, alice, '/v1/chat/message/room_list_and_unread');
    const sent = await sendMany(bobWs, personalRoom(alice, bob), bob, 40, 60_000);
    t.clock.advance(60_000);
    const seen: string[] = [];
    for (let call = 0; call < 10 && seen.length < sent.length; call++) {
      const page = await list(t, alice, '/v1/chat/message/new_and_updated');
      assert.ok(page.length > 0, 'every call brings something until all is there');
      assert.ok(contentChars(page) <= BUDGET, `answer holds ${contentChars(page)} characters of content`);
      seen.push(...page.map((m) => m.localID));
    }
    assert.deepEqual([...seen].sort(), [...sent].sort(), 'every change once');
    assert.deepEqual(await list(t, alice, '/v1/chat/message/new_and_updated'), []);
  });
});

await eachDialect(describe, 'chat lists: unread and cut-off answers', (dialect) => {
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let bob: ChatUser;
  let bobWs: ChatSocket;

  before(async () => {
    t = await createTestApp(dialect, { PARLEY_LIST_MAX_CHARS: String(64 * 1024 * 1024) });
    base = await listen(t);
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
    bobWs = await ChatSocket.open(socketUrl(base, t.project.appKey.header, bob.accessToken));
  });
  after(async () => {
    await bobWs.close();
    await t.close();
  });

  it('lists at most 100 unread messages of one room, the newest', async () => {
    const sent = await sendMany(bobWs, personalRoom(alice, bob), bob, 120, 0);
    const listed = await list(t, alice, '/v1/chat/message/room_list_and_unread');
    assert.deepEqual(
      listed.map((m) => m.localID),
      sent.slice(-100).reverse(),
    );
  });

  it('does not move the new_and_updated cursor past an answer the client never received', async () => {
    t.clock.advance(60_000);
    await list(t, alice, '/v1/chat/message/room_list_and_unread');
    // ~7 MB of changes: more than the connection buffers while the client reads nothing.
    const sent = await sendMany(bobWs, personalRoom(alice, bob), bob, 60, 60_000);
    t.clock.advance(60_000);
    // The client asks, then goes away before the answer (it would take a while: ~7 MB of changes).
    await new Promise<void>((resolve) => {
      const req = request(`${base}/v1/chat/message/new_and_updated`, {
        method: 'POST',
        headers: { 'app-key': t.project.appKey.header, authorization: `Bearer ${alice.accessToken}`, 'content-type': 'text/plain' },
      });
      req.on('finish', () => setImmediate(() => req.destroy()));
      req.on('close', () => resolve());
      req.on('error', () => {});
      req.end('""');
    });
    // Give the server the time to build and try to send the answer.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const again = await list(t, alice, '/v1/chat/message/new_and_updated');
    assert.deepEqual(again.map((m) => m.localID).sort(), [...sent].sort(), 'the changes come again');
  });
});
