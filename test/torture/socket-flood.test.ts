// One client writes valid chat/sendMessage frames as fast as the server lets it (issue #9, defect 7),
// against a real `parley serve`: the server's memory must not grow with what that client sends (it
// stops reading the socket while frames wait), another pair of users keeps chatting, and nothing is
// logged at error level. The per-user event rate is turned off here, so every frame is handled and
// stored: what bounds memory is the socket's backpressure alone (the rate is tested in-process).
// On PostgreSQL, where each of a socket's messages is stored before the next is taken, handling is
// far slower than loopback writes; SQLite's batched writes nearly keep pace, so a backlog (and the
// defect) shows on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newLocalId } from '../../src/chat/cipher.ts';
import { ChatSocket, type ChatUser, loginUserAt, outgoingMessage, personalRoom, socketUrl } from '../support/chat.ts';
import { type TestDatabase, createTestDatabase, dialectAvailable } from '../support/databases.ts';
import { createProject, ensureBuilt, killAll, procStats, size, sleep, startServer } from './support.ts';

const MB = 1024 * 1024;
/**
 * Bytes the flooding client sends, and the most the server's resident memory may grow meanwhile.
 * With backpressure the growth is V8's heap slack, not what was sent: 13-58 MB here for 96 MB sent
 * and 20-52 MB for 256 MB (garbage awaiting a major GC; a 1 MB semi-space moves it to the old space
 * and changes nothing). Without backpressure the server grows by about what was sent (128 MB for
 * 128 MB), so the flood is made large enough to stand clear of that slack.
 */
const FLOOD = size(256 * MB, 512 * MB);
const MAX_GROWTH = 100 * MB;
/** Body of each frame: near the largest a message may have (PARLEY_MESSAGE_MAX_CHARS). */
const BODY = 'x'.repeat(60_000);

before(ensureBuilt);
after(killAll);

describe('socket flood [postgres]', { skip: (await dialectAvailable('postgres')) ? false : 'PostgreSQL unreachable' }, () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('postgres');
  });
  after(async () => {
    await killAll();
    await database.drop();
  });

  it(`keeps the server's memory bounded while one client sends ${FLOOD / MB} MB of valid frames`, { timeout: 600_000 }, async () => {
    const project = await createProject(database.url);
    const server = await startServer(database.url, { PARLEY_SOCKET_EVENT_RATE: '0' });
    const keys = { serverKeyHeader: project.serverKey.header, appKeyHeader: project.appKey.header };
    const [mallory, victim, alice, bob] = [
      await loginUserAt(server.url.origin, keys, 'Mallory'),
      await loginUserAt(server.url.origin, keys, 'Victim'),
      await loginUserAt(server.url.origin, keys, 'Alice'),
      await loginUserAt(server.url.origin, keys, 'Bob'),
    ] as [ChatUser, ChatUser, ChatUser, ChatUser];
    const open = (u: ChatUser) => ChatSocket.open(socketUrl(server.url.origin, project.appKey.header, u.accessToken));
    const [floodWs, aliceWs, bobWs] = [await open(mallory), await open(alice), await open(bob)];
    // The flooder's own echoes are counted, not kept: they are as large as what it sends.
    floodWs.ws.removeAllListeners('message');
    let echoed = 0;
    floodWs.ws.on('message', () => echoed++);

    const room = personalRoom(mallory, victim);
    const chat = personalRoom(alice, bob);
    const frame = () => JSON.stringify({ eventName: 'chat/sendMessage', data: { localID: newLocalId(), type: 1001, body: BODY, room: { roomID: room } } });
    // Warm up at a polite pace (32 frames in flight): JIT, caches and pools settle before the baseline.
    let frames = 0;
    const warmUp = 200;
    while (frames < warmUp) {
      for (let i = 0; i < 32; i++, frames++) floodWs.ws.send(frame());
      for (let waited = 0; echoed < frames && waited < 60_000; waited += 5) await sleep(5);
    }
    const baseline = procStats(server.pid).rssBytes;
    let peak = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, procStats(server.pid).rssBytes);
        await sleep(100);
      }
    })();

    // Meanwhile two other users chat, one message at a time.
    let chatting = true;
    let chatted = 0;
    const conversation = (async () => {
      while (chatting) {
        const m = outgoingMessage(chat, alice, `during the flood ${chatted}`);
        aliceWs.emit('chat/sendMessage', m);
        await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === m.localID, 60_000);
        chatted++;
        await sleep(200);
      }
    })();

    // As fast as the socket takes them: whatever the server does not read waits in this process.
    let sent = 0;
    let closed = '';
    floodWs.ws.once('close', (code, reason) => (closed = `${code} ${reason.toString()}`));
    while (sent < FLOOD && floodWs.ws.readyState === floodWs.ws.OPEN) {
      // Far more waits on this side than any socket buffer holds, so the server can always read more;
      // the pauses let this process read what the server answers (its echoes).
      if (floodWs.ws.bufferedAmount > 32 * MB) await sleep(1);
      else await new Promise((resolve) => setImmediate(resolve));
      if (floodWs.ws.bufferedAmount > 32 * MB) continue;
      const text = frame();
      floodWs.ws.send(text);
      sent += text.length;
      frames++;
    }
    // Every frame handled: the server answers each one, in order.
    for (let waited = 0; echoed < frames && closed === '' && waited < 300_000; waited += 100) await sleep(100);
    chatting = false;
    await conversation;
    sampling = false;
    await sampler;

    const growth = peak - baseline;
    console.log(
      `flood: ${(sent / MB).toFixed(0)} MB in ${frames - warmUp} frames${closed === '' ? '' : ` (closed: ${closed})`}; server RSS ${(baseline / MB).toFixed(0)} MB → peak ${(peak / MB).toFixed(0)} MB; ${chatted} messages chatted meanwhile`,
    );
    assert.equal(closed, '', 'the flooding socket stayed open');
    assert.equal(sent >= FLOOD, true, 'the flooding client got to send everything');
    assert.equal(echoed, frames, 'every flooded frame was handled');
    assert.ok(growth < MAX_GROWTH, `server RSS grew by ${(growth / MB).toFixed(0)} MB for ${(sent / MB).toFixed(0)} MB sent (bound ${MAX_GROWTH / MB} MB)`);
    assert.ok(chatted > 0, 'the other users chatted during the flood');
    assert.deepEqual(server.problems, [], 'no error-level log lines');
    for (const ws of [floodWs, aliceWs, bobWs]) await ws.close();
  });
});
