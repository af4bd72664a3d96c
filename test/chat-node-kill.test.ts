// A sender's node dies mid-stream. Two `parley serve` processes share PostgreSQL and Redis; Alice
// streams messages to Bob through node 1 while Bob listens on node 2. Node 1 is SIGKILLed with
// messages in flight (some never read, some stored without their echo going out). Alice then does
// what the web SDK's queue does: a fresh socket to node 2 with the same access token, every message
// whose echo she did not get sent again with its localID, then she carries on. Nothing echoed may
// be lost, no re-send may be stored twice, and Bob must end up with the whole history, each
// message once and in order, live over his socket: node 2 refills the room events node 1 stored but
// never announced as soon as a later event of the room shows it the gap (see src/chat/hub.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { decryptContent } from '../src/chat/cipher.ts';
import type { DB } from '../src/storage/schema.ts';
import { type ChatUser, ChatSocket, type SocketEvent, clientCallAt, loginUserAt, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { type TestDatabase, createTestDatabase, dialectAvailable } from './support/databases.ts';
import { type ServerProcess, createProject, ensureBuilt, killAll, openDb, sleep, startServer } from './torture/support.ts';

/** Echoes Alice has before node 1 dies; messages sent to the frozen node; messages after reconnecting. */
const KILL_AFTER_ECHOES = 60;
const IN_FLIGHT_BURST = 10;
const AFTER_RECONNECT = 20;
/** A cap on the stream, so the whole history fits one list_by_room/before page (limit ≤ 200). */
const STREAM_MAX = 150;
const WAIT_MS = 20_000;
const FREEZE_ATTEMPTS = 60;

type Outgoing = ReturnType<typeof outgoingMessage>;

const isMessage = (e: SocketEvent) => e.eventName === 'chat/sendMessage';

/** localID → messageID of every chat/sendMessage the socket received. */
function received(ws: ChatSocket): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of ws.events) if (isMessage(e)) out.set(e.data.localID as string, e.data.messageID as string);
  return out;
}

/** Waits until `ws` has received a chat/sendMessage for every localID in `localIDs`. */
async function receivedAll(ws: ChatSocket, localIDs: Iterable<string>, who: string): Promise<void> {
  const missing = new Set(localIDs);
  // True on the event that removes the last missing one (`delete` is true only the first time).
  const seen = (e: SocketEvent) => isMessage(e) && missing.delete(e.data.localID as string) && missing.size === 0;
  if (missing.size === 0 || ws.events.some(seen)) return;
  await ws.waitFor(seen, WAIT_MS).catch(() => {
    throw new Error(`${who} never received ${missing.size} message(s): ${[...missing].slice(0, 5).join(', ')}…`);
  });
}

/**
 * Freezes `node` (SIGSTOP) at random points of its work until it is caught between storing a
 * message and echoing it: the database holds one of the sender's messages whose echo the sender's
 * socket did not get even after draining. Returns the attempt that caught it, or 0 when none did
 * within the bound; either way the node is left frozen. That window is about a commit's round
 * trip, so a kill at a random instant rarely hits it; this makes the test hit it nearly always.
 */
async function freezeBetweenStoreAndEcho(db: Kysely<DB>, node: ServerProcess, sender: ChatSocket, roomId: string, sent: () => number): Promise<number> {
  for (let attempt = 1; attempt <= FREEZE_ATTEMPTS; attempt++) {
    await sleep(Math.random() * 4); // a random point of the node's work on its next message
    node.child.kill('SIGSTOP');
    // No condition to wait on: give PostgreSQL the time to finish a commit the node already asked
    // for, and the sender's socket the time to read what the node had written before it froze.
    await sleep(15);
    const echoed = received(sender);
    const stored = await db.selectFrom('messages').select('local_id').where('room_id', '=', roomId).execute();
    if (stored.some((r) => !echoed.has(r.local_id))) return attempt;
    if (echoed.size >= sent()) break; // nothing left in flight to catch
    node.child.kill('SIGCONT');
    await sender.waitFor(() => received(sender).size > echoed.size, WAIT_MS); // on to its next message
  }
  node.child.kill('SIGSTOP');
  return 0;
}

/** What is wrong with an event Alice or Bob received here, if anything: Alice's messages and presence are expected. */
function malformation(e: SocketEvent, roomId: string, sender: ChatUser, texts: Map<string, string>): string | undefined {
  const d = e.data;
  const where = `${e.eventName} ${JSON.stringify(e).slice(0, 300)}`;
  if (typeof d !== 'object' || d === null) return `no data: ${where}`;
  if (e.eventName === 'user/status') {
    return typeof d.user?.userID === 'string' && typeof d.isOnline === 'boolean' && typeof d.lastActive === 'number' ? undefined : `incomplete: ${where}`;
  }
  if (e.eventName !== 'chat/sendMessage') return `unexpected event: ${where}`;
  if (typeof d.messageID !== 'string' || !/^[1-9][0-9]*$/.test(d.messageID) || d.isSending !== false) return `not a stored message: ${where}`;
  if (d.room?.roomID !== roomId || d.user?.userID !== sender.userID || typeof d.quote !== 'object' || d.quote === null) return `incomplete: ${where}`;
  if (decryptContent(d.body, d.localID) !== texts.get(d.localID)) return `body does not decrypt to what was sent: ${where}`;
  return undefined;
}

const available = await dialectAvailable('postgres');

describe('a node dies mid-stream [two processes, PostgreSQL + Redis]', { skip: available ? false : 'PostgreSQL unreachable' }, () => {
  let database: TestDatabase;
  let db: Awaited<ReturnType<typeof openDb>>;
  let node1: ServerProcess;
  let node2: ServerProcess;
  let appKey: string;
  let alice: ChatUser;
  let bob: ChatUser;
  const sockets: ChatSocket[] = [];
  const open = async (node: ServerProcess, user: ChatUser) => {
    const ws = await ChatSocket.open(socketUrl(node.url.origin, appKey, user.accessToken));
    sockets.push(ws);
    return ws;
  };

  before(async () => {
    await ensureBuilt();
    database = await createTestDatabase('postgres');
    const project = await createProject(database.url);
    db = await openDb(database.url);
    appKey = project.appKey.header;
    const env = { PARLEY_REDIS_URL: 'redis://127.0.0.1:6379', PARLEY_REDIS_PREFIX: `parley-kill-${randomBytes(4).toString('hex')}:` };
    node1 = await startServer(database.url, env);
    node2 = await startServer(database.url, env);
    const keys = { serverKeyHeader: project.serverKey.header, appKeyHeader: appKey };
    alice = await loginUserAt(node1.url.origin, keys, 'Alice');
    bob = await loginUserAt(node2.url.origin, keys, 'Bob');
  });

  after(async () => {
    await Promise.all(sockets.map((ws) => ws.close()));
    await killAll();
    await db?.close();
    await database?.drop();
  });

  it('keeps every echoed message, stores each re-send once, and Bob gets the whole history live', async (t) => {
    const room = personalRoom(alice, bob);
    const bobWs = await open(node2, bob);
    const alice1 = await open(node1, alice);
    let bobClosed = false;
    bobWs.ws.once('close', () => (bobClosed = true));

    // The room exists and the broker carries node 1's events to Bob before the stream starts.
    const first = outgoingMessage(room, alice, 'warm-up');
    alice1.emit('chat/sendMessage', first);
    await bobWs.waitFor((e) => isMessage(e) && e.data.localID === first.localID, WAIT_MS);

    // The stream: one message every couple of milliseconds, none waiting for its echo.
    const outbox: Outgoing[] = [first];
    const texts = new Map([[first.localID, 'warm-up']]);
    const emit = (ws: ChatSocket, m: Outgoing) => ws.emit('chat/sendMessage', m);
    const next = () => {
      const text = `message ${outbox.length} — ünïcødé 👋🏽`;
      const m = outgoingMessage(room, alice, text);
      outbox.push(m);
      texts.set(m.localID, text);
      return m;
    };
    let killedAt = 0;
    const closed = new Promise<void>((resolve) => alice1.ws.once('close', () => resolve()));
    const stream = setInterval(() => {
      if (outbox.length < STREAM_MAX) emit(alice1, next());
    }, 2);
    let caught = 0;
    try {
      await alice1.waitFor(() => received(alice1).size >= KILL_AFTER_ECHOES, WAIT_MS);
      caught = await freezeBetweenStoreAndEcho(db.db, node1, alice1, room, () => outbox.length);
      // Frozen, node 1 reads nothing more: this burst is in flight for sure.
      for (let i = 0; i < IN_FLIGHT_BURST; i++) emit(alice1, next());
      killedAt = Date.now();
      node1.child.kill('SIGKILL');
      // Alice keeps sending until her socket tells her it is gone, as a real client would.
      await closed;
    } finally {
      clearInterval(stream);
    }
    assert.deepEqual(await node1.exited, { code: null, signal: 'SIGKILL' });

    const echoedBeforeKill = received(alice1);
    const unechoed = outbox.filter((m) => !echoedBeforeKill.has(m.localID));
    assert.ok(echoedBeforeKill.size >= KILL_AFTER_ECHOES);
    assert.ok(unechoed.length >= IN_FLIGHT_BURST, 'messages were in flight at the kill');

    // Reconnect to node 2 with the same token; re-send what was not echoed (same localIDs), in order, then carry on.
    const alice2 = await open(node2, alice);
    for (const m of unechoed) emit(alice2, m);
    for (let i = 0; i < AFTER_RECONNECT; i++) emit(alice2, next());
    await receivedAll(
      alice2,
      [...unechoed, ...outbox.slice(-AFTER_RECONNECT)].map((m) => m.localID),
      'Alice (re-sends and later messages)',
    );

    // The history, from node 2: everything once, and every pre-kill echo under the same messageID.
    const res = await clientCallAt(node2.url.origin, appKey, bob, '/v1/chat/message/list_by_room/before', { roomID: room, maxCreated: 0, limit: 200 });
    assert.equal(res.status, 200, JSON.stringify(res.error));
    const history = res.data.messages as Array<{ localID: string; messageID: string; created: number }>;
    assert.equal(res.data.hasMore, false);
    const byLocalId = new Map(history.map((m) => [m.localID, m.messageID]));
    assert.equal(byLocalId.size, history.length, 'each localID is stored once: no duplicates from the re-sends');
    assert.equal(new Set(history.map((m) => m.messageID)).size, history.length);
    for (const [localID, messageID] of echoedBeforeKill) {
      assert.equal(byLocalId.get(localID), messageID, `echoed before the kill, so stored: ${localID}`);
    }
    assert.deepEqual(new Set(byLocalId.keys()), new Set(outbox.map((m) => m.localID)), 'every message Alice sent is stored (all were echoed in the end)');
    const echoedOnNode2 = received(alice2);
    for (const m of unechoed) assert.equal(echoedOnNode2.get(m.localID), byLocalId.get(m.localID), 'the re-send echo names the stored message');

    // Node 2 stores nothing of Alice's before she reconnects, so what is older than the kill is node 1's.
    const createdOf = new Map(history.map((m) => [m.localID, m.created]));
    const storedUnechoed = unechoed.filter((m) => (createdOf.get(m.localID) ?? Infinity) <= killedAt).length;
    t.diagnostic(
      `frozen between store and echo at attempt ${caught || 'none (killed at a random point)'}; ${outbox.length} messages; echoed before the kill ${echoedBeforeKill.size}; in flight and re-sent ${unechoed.length} ` +
        `(stored by node 1 without an echo: ${storedUnechoed}; stored on their re-send: ${unechoed.length - storedUnechoed})`,
    );
    assert.ok(caught > 0 && storedUnechoed > 0, 'the kill caught a message stored by node 1 but never echoed (its re-send must not store it twice)');

    // Bob: every message of the history over his socket, live, once each, in the room's order.
    await receivedAll(bobWs, byLocalId.keys(), 'Bob');
    const bobGot = bobWs.events.filter(isMessage).map((e) => ({ localID: e.data.localID as string, messageID: e.data.messageID as string }));
    assert.equal(bobGot.length, history.length, 'Bob received each message once');
    for (const m of bobGot) assert.equal(byLocalId.get(m.localID), m.messageID);
    const ids = bobGot.map((m) => BigInt(m.messageID));
    assert.ok(
      ids.every((id, i) => i === 0 || (ids[i - 1] as bigint) < id),
      'Bob received them in the order they were stored',
    );
    assert.equal(bobClosed, false, "Bob's socket on node 2 never dropped");

    for (const ws of [bobWs, alice1, alice2]) assert.deepEqual(ws.problems, [], 'binary frames of one JSON event each, only');
    const malformed = [bobWs, alice1, alice2].flatMap((ws) => ws.events.flatMap((e) => malformation(e, room, alice, texts) ?? []));
    assert.deepEqual(malformed, [], 'every event complete: presence, or a message of the room with its body intact');
    assert.deepEqual([...node1.problems, ...node2.problems], [], 'no errors logged by either node');
  });
});
