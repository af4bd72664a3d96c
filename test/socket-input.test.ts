// What a socket client sends that Parley cannot store or must not log (issue #9, defects 15 and 16):
// strings with a NUL or an unpaired surrogate are refused like REST refuses them, on both databases,
// and an upgrade URL that does not parse is refused in the envelope without an error line or the
// credentials it carries reaching the logs.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/logging.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { type ChatUser, ChatSocket, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

/** Every log line, at debug level, as parsed JSON. */
function logCapture() {
  const lines: Array<{ level: number; text: string }> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) if (text !== '') lines.push({ level: (JSON.parse(text) as { level: number }).level, text });
      done();
    },
  });
  return { lines, logger: createLogger('debug', sink) };
}

/** One raw HTTP exchange: what the server wrote until it closed the connection. */
function rawExchange(base: string, request: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.write(request));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

await eachDialect(describe, 'socket input', (dialect) => {
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let bob: ChatUser;
  let aliceWs: ChatSocket;
  let bobWs: ChatSocket;
  const logs = logCapture();
  const errorLines = () => logs.lines.filter((l) => l.level >= 50).map((l) => l.text);

  before(async () => {
    t = await createTestApp(dialect, {}, logs.logger);
    base = await listen(t);
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
    aliceWs = await ChatSocket.open(socketUrl(base, t.project.appKey.header, alice.accessToken));
    bobWs = await ChatSocket.open(socketUrl(base, t.project.appKey.header, bob.accessToken));
    // The room exists, so "nothing stored" below is read from a real history.
    const first = outgoingMessage(personalRoom(alice, bob), alice, 'hello');
    aliceWs.emit('chat/sendMessage', first);
    await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === first.localID);
  });
  after(async () => {
    await aliceWs.close();
    await bobWs.close();
    await t.close();
  });

  const cases: Array<[string, string, (m: ReturnType<typeof outgoingMessage>) => void]> = [
    ['a NUL in body', 'body', (m) => (m.body = `${m.body}\u0000x`)],
    ['an unpaired surrogate in body', 'body', (m) => (m.body = `${m.body}\ud800x`)],
    ['a NUL in quote.content', 'quote.content', (m) => (m.quote.content = 'quoted\u0000')],
    ['an unpaired surrogate in quote.content', 'quote.content', (m) => (m.quote.content = 'quoted\udc00')],
    ['a NUL in room.roomID', 'room.roomID', (m) => (m.room.roomID = `${m.room.roomID}\u0000`)],
  ];
  for (const [what, field, spoil] of cases) {
    it(`refuses a message with ${what} (40002, field ${field}), stores nothing and logs no error`, async () => {
      const room = personalRoom(alice, bob);
      const bad = outgoingMessage(room, alice, 'spoiled');
      spoil(bad);
      const mark = aliceWs.events.length;
      aliceWs.emit('chat/sendMessage', bad);
      const error = await aliceWs.waitFor((e) => e.eventName === 'error' && e.data.localID === bad.localID, 5000, mark);
      assert.equal(error.data.code, '40002');
      assert.equal(error.data.status, 400);
      assert.equal(error.data.field, field);
      // The socket still works, and the refused message was never stored.
      const ok = outgoingMessage(room, alice, 'fine');
      aliceWs.emit('chat/sendMessage', ok);
      await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === ok.localID);
      const history = await clientCall(t, bob, '/v1/chat/message/list_by_room/before', { roomID: room, maxCreated: 0, limit: 100 });
      const localIDs = (history.data.messages as Array<{ localID: string }>).map((m) => m.localID);
      assert.ok(localIDs.includes(ok.localID));
      assert.equal(localIDs.includes(bad.localID), false, 'the refused message is not stored');
      assert.equal(
        bobWs.events.some((e) => e.data?.localID === bad.localID),
        false,
        'nor delivered',
      );
      assert.deepEqual(errorLines(), []);
    });
  }

  it('refuses typing in a room id with a NUL, and an edit naming a localID with one', async () => {
    const mark = aliceWs.events.length;
    aliceWs.emit('chat/startTyping', { roomID: `${personalRoom(alice, bob)}\u0000` });
    const typing = await aliceWs.waitFor((e) => e.eventName === 'error' && e.data.eventName === 'chat/startTyping', 5000, mark);
    assert.equal(typing.data.code, '40002');
    assert.equal(typing.data.field, 'roomID');
    aliceWs.emit('chat/updateMessage', { localID: 'abc\u0000', body: 'x', room: { roomID: personalRoom(alice, bob) } });
    const edit = await aliceWs.waitFor((e) => e.eventName === 'error' && e.data.eventName === 'chat/updateMessage', 5000, mark);
    assert.equal(edit.data.code, '40002');
    assert.equal(edit.data.field, 'localID');
    assert.deepEqual(errorLines(), []);
  });

  it('refuses a URL that does not parse with 400 / 40002, upgrade or not, no error line and no credential in the logs', async () => {
    const token = alice.accessToken;
    const appKey = t.project.appKey.header;
    // `new URL` throws on this request target; its query carries real credentials, as the SDK's does.
    const target = `//%zz:@[/connect?app_key=${encodeURIComponent(appKey)}&authorization=${encodeURIComponent(`Bearer ${token}`)}`;
    const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
    for (const headers of [upgrade, 'Connection: close\r\n']) {
      const answer = await rawExchange(base, `GET ${target} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 400 /);
      const envelope = JSON.parse(body) as { status: number; error: { code: string } };
      assert.equal(envelope.status, 400);
      assert.equal(envelope.error.code, '40002');
    }
    assert.deepEqual(errorLines(), []);
    const leaked = logs.lines.filter((l) => l.text.includes(token) || l.text.includes(appKey) || l.text.includes(t.project.appKey.secret));
    assert.deepEqual(leaked, [], 'no credential in any log line');
  });
});
