// Connections that hold a server's descriptors (issue #9, defect 4), against a real `parley serve`:
// - under a 1,024 open-file limit, 1,100 connections from one address that never send a byte leave
//   the server answering everyone else, and are closed by the server once the request deadline passed,
//   while a chat socket opened before them is not cut by that deadline;
// - one user opening many chat sockets at once gets no more than the cap.
import assert from 'node:assert/strict';
import http from 'node:http';
import { type Socket, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { CreatedProject } from '../../src/services/projects.ts';
import { ChatSocket, type ChatUser, loginUserAt, outgoingMessage, personalRoom, socketUrl } from '../support/chat.ts';
import { type TestDatabase, createTestDatabase } from '../support/databases.ts';
import { type ServerProcess, createProject, ensureBuilt, killAll, send, size, sleep, startServer } from './support.ts';

const SILENT = 1_100;
const LEGITIMATE = 10;
const ATTEMPTS = size(100, 3_000);
/** The request deadline of the server under test (ms): long enough for the legitimate requests to meet the silent ones. */
const DEADLINE = 8_000;

before(ensureBuilt);
after(killAll);

/** Opens a TCP connection from `localAddress` that sends nothing; resolves once connected or refused. */
function silentConnection(server: URL, localAddress: string, closed: () => void): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect({ host: server.hostname, port: Number(server.port), localAddress });
    socket.on('error', () => {});
    // Reads what the server may say (its 408), or the close would wait behind the unread bytes.
    socket.resume();
    socket.once('close', closed);
    socket.once('connect', () => resolve(socket));
    socket.once('close', () => resolve(socket));
  });
}

describe('connections [sqlite]', () => {
  let database: TestDatabase;
  let project: CreatedProject;
  before(async () => {
    database = await createTestDatabase('sqlite');
    project = await createProject(database.url);
  });
  after(async () => {
    await killAll();
    await database.drop();
  });
  const keys = () => ({ serverKeyHeader: project.serverKey.header, appKeyHeader: project.appKey.header });
  const open = (server: ServerProcess, u: ChatUser) => ChatSocket.open(socketUrl(server.url.origin, project.appKey.header, u.accessToken));

  it(`answers ${LEGITIMATE} requests while ${SILENT} silent connections press on a 1,024 descriptor limit, and closes them after the deadline`, {
    timeout: 180_000,
  }, async () => {
    const server = await startServer(database.url, { PARLEY_REQUEST_TIMEOUT: String(DEADLINE) }, { openFiles: 1024 });
    const alice = await loginUserAt(server.url.origin, keys(), 'Alice');
    const bob = await loginUserAt(server.url.origin, keys(), 'Bob');
    const aliceWs = await open(server, alice);
    const bobWs = await open(server, bob);

    let closed = 0;
    const silent: Socket[] = [];
    for (let i = 0; i < SILENT; i++) silent.push(await silentConnection(server.url, '127.0.0.2', () => closed++));
    const held = () => SILENT - closed;

    // Each on a connection of its own, from another address.
    const outcomes = await Promise.all(
      Array.from({ length: LEGITIMATE }, () => send(new http.Agent(), server.url, { method: 'GET', path: '/healthz' }, 20_000)),
    );
    const heldMeanwhile = held();
    const answered = outcomes.filter((o) => o.kind === 'response' && o.status === 200).length;
    assert.equal(
      answered,
      LEGITIMATE,
      `answered ${answered} of ${LEGITIMATE}: ${JSON.stringify(outcomes.map((o) => (o.kind === 'error' ? o.code : o.status)))}`,
    );
    assert.ok(heldMeanwhile > 0, 'the silent connections were still held while the legitimate requests were answered');

    // Once the deadline has passed, the server has closed every silent connection (the client never does).
    for (let waited = 0; held() > 0 && waited < DEADLINE + 60_000; waited += 250) await sleep(250);
    assert.equal(held(), 0, `${held()} silent connections still open after the deadline`);
    for (const s of silent) s.destroy();

    // The chat sockets opened before are not cut by the HTTP deadline: they have their own heartbeat.
    assert.equal(aliceWs.ws.readyState, aliceWs.ws.OPEN);
    const message = outgoingMessage(personalRoom(alice, bob), alice, 'still connected');
    aliceWs.emit('chat/sendMessage', message);
    await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === message.localID);
    await aliceWs.close();
    await bobWs.close();
    assert.deepEqual(server.problems, [], 'no error-level log lines');
  });

  it(`gives one user opening ${ATTEMPTS} chat sockets at once no more than 20`, { timeout: 120_000 }, async () => {
    const server = await startServer(database.url);
    const mallory = await loginUserAt(server.url.origin, keys(), 'Mallory');
    const attempts = await Promise.allSettled(Array.from({ length: ATTEMPTS }, () => open(server, mallory)));
    const opened = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    const refusals = attempts.flatMap((a) => (a.status === 'rejected' ? [a.reason as Error & { statusCode?: number; body?: string }] : []));
    try {
      assert.equal(opened.length, 20);
      for (const r of refusals) {
        assert.equal(r.statusCode, 429, r.message);
        assert.equal((JSON.parse(r.body ?? '') as { error: { code: string } }).error.code, '42900');
      }
      assert.deepEqual(server.problems, [], 'no error-level log lines');
    } finally {
      await Promise.all(opened.map((ws) => ws.close()));
    }
  });
});
