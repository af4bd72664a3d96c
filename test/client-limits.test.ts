// What one user may take of a node (issue #9, defects 4 and 7): a bounded number of chat sockets, and
// socket events and client API calls at a bounded rate (token buckets per user, in this process). Over
// a limit the client is told so in the envelope (429 / 42900), and nobody else is affected.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from './support/eventually.ts';
import { type TestApp, createTestApp, post } from './support/app.ts';
import { type ChatUser, ChatSocket, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

/** Polls until `check` holds (a socket's close reaches the server asynchronously). */

await eachDialect(describe, 'sockets per user (default cap)', (dialect) => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await createTestApp(dialect);
    base = await listen(t);
  });
  after(() => t.close());

  it('refuses a user more than 20 sockets with 429 / 42900, and takes one again once a socket closed', async () => {
    const alice = await loginUser(t, 'Alice');
    const bob = await loginUser(t, 'Bob');
    const url = (u: ChatUser) => socketUrl(base, t.project.appKey.header, u.accessToken);
    const sockets: ChatSocket[] = [];
    try {
      for (let i = 0; i < 20; i++) sockets.push(await ChatSocket.open(url(alice)));
      const refused = await ChatSocket.open(url(alice)).then(
        (ws) => {
          sockets.push(ws);
          return undefined;
        },
        (err: Error & { statusCode?: number; body?: string }) => err,
      );
      assert.ok(refused !== undefined, 'the 21st socket of one user is refused');
      assert.equal(refused.statusCode, 429);
      const envelope = JSON.parse(refused.body ?? '') as { status: number; error: { code: string } };
      assert.equal(envelope.status, 429);
      assert.equal(envelope.error.code, '42900');
      // Another user is not affected, and the first user's sockets still work.
      const bobWs = await ChatSocket.open(url(bob));
      sockets.push(bobWs);
      const message = outgoingMessage(personalRoom(alice, bob), alice, 'still here');
      sockets[0]?.emit('chat/sendMessage', message);
      await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === message.localID);
      // A closed socket frees its place.
      const before = t.deps.chat.hub.socketCount;
      await sockets.shift()?.close();
      await eventually('the server saw the close', () => t.deps.chat.hub.socketCount === before - 1);
      sockets.push(await ChatSocket.open(url(alice)));
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
    }
  });
});

await eachDialect(describe, 'event and call rates per user', (dialect) => {
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let bob: ChatUser;
  let aliceWs: ChatSocket;
  let bobWs: ChatSocket;
  before(async () => {
    t = await createTestApp(dialect, {
      PARLEY_SOCKET_EVENT_RATE: '1',
      PARLEY_SOCKET_EVENT_BURST: '3',
      PARLEY_CLIENT_CALL_RATE: '1',
      PARLEY_CLIENT_CALL_BURST: '3',
    });
    base = await listen(t);
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

  it('answers events past the burst with an error event 42900, handles none of them, and keeps the socket', async () => {
    const room = personalRoom(alice, bob);
    const burst = Array.from({ length: 3 }, (_, i) => outgoingMessage(room, alice, `burst ${i}`));
    for (const m of burst) aliceWs.emit('chat/sendMessage', m);
    for (const m of burst) await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === m.localID);
    const over = outgoingMessage(room, alice, 'one too many');
    aliceWs.emit('chat/sendMessage', over);
    const error = await aliceWs.waitFor((e) => e.eventName === 'error' && e.data.localID === over.localID);
    assert.equal(error.data.code, '42900');
    assert.equal(error.data.status, 429);
    assert.equal(error.data.eventName, 'chat/sendMessage');
    // Bob has his own bucket.
    const reply = outgoingMessage(room, bob, 'my turn');
    bobWs.emit('chat/sendMessage', reply);
    await aliceWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === reply.localID);
    // Time refills the bucket (the test clock moves only when told): the socket is still open and usable.
    t.clock.advance(1000);
    const later = outgoingMessage(room, alice, 'later');
    aliceWs.emit('chat/sendMessage', later);
    await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === later.localID);
    assert.equal(
      bobWs.events.some((e) => e.data?.localID === over.localID),
      false,
      'the refused message was never delivered',
    );
    assert.equal(aliceWs.ws.readyState, aliceWs.ws.OPEN);
  });

  it('answers client calls past the burst with HTTP 200, the envelope 429 / 42900 and Retry-After', async () => {
    const headers = (u: ChatUser) => ({ 'app-key': t.project.appKey.header, authorization: `Bearer ${u.accessToken}` });
    const pinned = (u: ChatUser) => post(t.app, '/v1/client/room/get_pinned_room_ids', headers(u), '""');
    for (let i = 0; i < 3; i++) assert.equal((await pinned(alice)).body.status, 200);
    const over = await pinned(alice);
    assert.equal(over.status, 200, 'client APIs always answer HTTP 200');
    assert.equal(over.body.status, 429);
    assert.equal(over.body.error.code, '42900');
    assert.ok(Number(over.headers['retry-after']) >= 1, 'Retry-After says when to come back');
    // The SDK's token check is answered from memory and not counted; another user has their own bucket.
    const check = await t.app.inject({ method: 'GET', url: '/connect?check=1', headers: headers(alice) });
    assert.equal(check.json().status, 200);
    assert.equal((await pinned(bob)).body.status, 200);
    t.clock.advance(1000);
    assert.equal((await pinned(alice)).body.status, 200);
  });
});
