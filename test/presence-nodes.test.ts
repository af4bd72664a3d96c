// Presence across nodes: two `parley serve` processes on PostgreSQL and Redis. A user online on one
// node stays online for everyone when a socket of theirs on the other node closes, and goes offline
// for everyone when the node holding them is killed (its beats stop; three missed beats and it is gone).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ChatSocket, type ChatUser, type SocketEvent, loginUserAt, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { type TestDatabase, createTestDatabase, dialectAvailable } from './support/databases.ts';
import { createProject, ensureBuilt, startServer } from './torture/support.ts';

const BEAT_MS = 200;
const available = await dialectAvailable('postgres');

describe('presence across two nodes', { skip: available ? false : 'PostgreSQL unreachable' }, () => {
  let database: TestDatabase;
  let servers: Array<Awaited<ReturnType<typeof startServer>>>;
  let keys: { serverKeyHeader: string; appKeyHeader: string };
  const sockets: ChatSocket[] = [];
  before(async () => {
    await ensureBuilt();
    database = await createTestDatabase('postgres');
    const project = await createProject(database.url);
    keys = { serverKeyHeader: project.serverKey.header, appKeyHeader: project.appKey.header };
    const env = {
      PARLEY_REDIS_URL: 'redis://127.0.0.1:6379',
      PARLEY_REDIS_PREFIX: `parley-presence-${randomBytes(4).toString('hex')}:`,
      PARLEY_PRESENCE_INTERVAL: String(BEAT_MS),
    };
    servers = [await startServer(database.url, env), await startServer(database.url, env)];
  });
  after(async () => {
    await Promise.all(sockets.map((s) => s.close().catch(() => undefined)));
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    await database.drop();
  });

  const base = (i: 0 | 1) => servers[i]?.url.origin as string;
  const open = async (i: 0 | 1, user: ChatUser) => {
    const socket = await ChatSocket.open(socketUrl(base(i), keys.appKeyHeader, user.accessToken));
    sockets.push(socket);
    return socket;
  };
  const statusOf = (user: ChatUser, online: boolean) => (e: SocketEvent) =>
    e.eventName === 'user/status' &&
    (e.data as { user: { userID: string }; isOnline: boolean }).user.userID === user.userID &&
    (e.data as { isOnline: boolean }).isOnline === online;

  it('online while any node holds a socket of the user; offline for everyone when that node dies', async () => {
    const alice = await loginUserAt(base(0), keys, 'Alice');
    const bob = await loginUserAt(base(1), keys, 'Bob');
    const aliceSocket = await open(0, alice);
    const bobOnNode2 = await open(1, bob);
    // A room they share: presence goes to the user's room peers.
    const hello = outgoingMessage(personalRoom(alice, bob), alice, 'hello');
    aliceSocket.emit('chat/sendMessage', hello);
    await bobOnNode2.waitFor((e) => e.eventName === 'chat/sendMessage' && (e.data as { localID: string }).localID === hello.localID);

    // Bob also opens a socket on node 1, then closes it: he is still on node 2, so no "offline".
    const bobOnNode1 = await open(0, bob);
    await aliceSocket.waitFor(statusOf(bob, true)).catch(() => undefined);
    const mark = aliceSocket.events.length;
    await bobOnNode1.close();
    // Three beats, and a message from Bob after them: anything announced by then has arrived before it.
    await new Promise((r) => setTimeout(r, BEAT_MS * 3));
    const after = outgoingMessage(personalRoom(alice, bob), bob, 'still here');
    bobOnNode2.emit('chat/sendMessage', after);
    await aliceSocket.waitFor((e) => e.eventName === 'chat/sendMessage' && (e.data as { localID: string }).localID === after.localID, 5000, mark);
    assert.equal(aliceSocket.events.slice(mark).filter(statusOf(bob, false)).length, 0, 'Bob never went offline while node 2 held him');

    // Node 2 dies: no socket closes cleanly there, its beats stop, and node 1 takes Bob offline.
    const killedAt = aliceSocket.events.length;
    servers[1]?.child.kill('SIGKILL');
    await aliceSocket.waitFor(statusOf(bob, false), 10_000, killedAt);
    assert.deepEqual(servers[0]?.problems, []);
  });
});
