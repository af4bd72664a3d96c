// Redis killed under load, then restarted, behind two `parley serve` processes (issue #9, defect 5):
// valid calls keep succeeding (or get 503 / 50300), never 500 and never a hang; guesses from one
// address still get 429 (each process counts in memory too); nothing is logged at error level; a
// session ended while Redis is down is not served from a stale cache; after the restart the shared
// counters and the cross-node fan-out work again. And a start with Redis unreachable does not hang.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ChatUser, ChatSocket, loginUserAt, outgoingMessage, personalRoom, socketUrl } from '../support/chat.ts';
import { createTestDatabase } from '../support/databases.ts';
import { type Outcome, TICKET_PATH, createProject, ensureBuilt, keepAlive, killAll, send, sleep, startServer, ticketBody } from './support.ts';

const LIMIT = 20;
/** Far above any request's own deadline: an answer slower than this is a hang. */
const HANG_MS = 15_000;
const redisProcesses = new Set<ChildProcess>();

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const ping = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    const done = (up: boolean) => {
      resolve(up);
      socket.destroy();
    };
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });

/** Our own redis-server (never the shared one), answering PING before it resolves. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  redisProcesses.add(child);
  child.once('exit', () => redisProcesses.delete(child));
  for (let i = 0; i < 100 && !(await ping(port)); i++) await sleep(50);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}

/** Polls `check` until it holds (recovery after a restart is asynchronous: ioredis retries every ≤ 2 s). */
async function eventually(what: string, check: () => Promise<boolean>, attempts = 100): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await sleep(200);
  }
  assert.fail(`never happened: ${what}`);
}

const envelopeOf = (o: Outcome) => (o.kind === 'response' ? (JSON.parse(o.text) as { status: number; error: { code: string } }) : undefined);
const describeOutcome = (o: Outcome) => (o.kind === 'response' ? `HTTP ${o.status} ${o.text.slice(0, 200)}` : o.code);

before(ensureBuilt);
after(async () => {
  await killAll();
  await Promise.all([...redisProcesses].map(stop));
});

describe('Redis faults', () => {
  // PostgreSQL: two processes writing one SQLite file at once is not this test's subject.
  it('Redis killed under load and restarted: valid calls served, guesses throttled, no error log, recovery', { timeout: 240_000 }, async () => {
    const database = await createTestDatabase('postgres');
    const port = await freePort();
    let redis = await startRedis(port);
    const env = {
      PARLEY_REDIS_URL: `redis://127.0.0.1:${port}`,
      PARLEY_REDIS_PREFIX: `faults-${randomBytes(4).toString('hex')}:`,
      PARLEY_AUTH_FAILURES_PER_ADDRESS: String(LIMIT),
      PARLEY_AUTH_FAILURES_PER_KEY: '1000000',
    };
    const agent = keepAlive(16);
    const attacker = new http.Agent({ keepAlive: true, localAddress: '127.0.0.9' });
    try {
      const project = await createProject(database.url);
      const [a, b] = [await startServer(database.url, env), await startServer(database.url, env)];
      const keys = { serverKeyHeader: project.serverKey.header, appKeyHeader: project.appKey.header };
      const [baseA, baseB] = [a.url.origin, b.url.origin];
      const user = await loginUserAt(baseA, keys, 'Steady');
      const leaving = await loginUserAt(baseA, keys, 'Leaving');
      const clientHeaders = (u: ChatUser) => ({ 'content-type': 'application/json', 'app-key': keys.appKeyHeader, authorization: `Bearer ${u.accessToken}` });
      const getById = (base: URL, u: ChatUser) =>
        send(agent, base, { path: '/v1/client/user/get_by_id', headers: clientHeaders(u), body: JSON.stringify({ id: u.userID }) }, HANG_MS);
      // Node b caches the leaving user's session (sessions are cached with Redis).
      assert.equal(envelopeOf(await getById(b.url, leaving))?.status, 200);

      const problems: string[] = [];
      const counts = { ok: 0, unavailable: 0 };
      let n = 0;
      const valid = async (phase: string) => {
        const i = ++n;
        const server = i % 2 === 0 ? a : b;
        const o =
          i % 3 === 0
            ? await getById(server.url, user)
            : await send(
                agent,
                server.url,
                {
                  path: TICKET_PATH,
                  headers: { 'content-type': 'application/json', 'server-key': keys.serverKeyHeader },
                  body: JSON.stringify(ticketBody(`xc-${i % 50}`, i)),
                },
                HANG_MS,
              );
        const answer = envelopeOf(o);
        if (answer?.status === 200) counts.ok++;
        else if (answer?.status === 503 && answer.error.code === '50300') counts.unavailable++;
        else problems.push(`${phase}: a valid call got ${describeOutcome(o)}`);
      };
      const guess = async (server: URL, from: http.Agent = attacker) => {
        const o = await send(
          from,
          server,
          {
            path: '/v1/client/user/get_by_id',
            headers: { 'content-type': 'application/json', 'app-key': keys.appKeyHeader, authorization: `Bearer ${randomBytes(16).toString('hex')}` },
            body: '{"id":"1"}',
          },
          HANG_MS,
        );
        const answer = envelopeOf(o);
        if (answer === undefined || !['40103', '42900'].includes(answer.error.code)) problems.push(`a guess got ${describeOutcome(o)}`);
        return answer?.error.code;
      };
      const load = async (phase: string, rounds: number) => {
        for (let r = 0; r < rounds; r++) await Promise.all([valid(phase), valid(phase), valid(phase), valid(phase), guess(r % 2 === 0 ? a.url : b.url)]);
      };

      await load('Redis up', 10);
      const killed = load('Redis being killed', 40);
      await sleep(200);
      await stop(redis);
      await killed;
      await load('Redis down', 20);

      // A new address's guesses on one node: past the limit they get 429 from that process's own counts.
      const fresh = new http.Agent({ keepAlive: true, localAddress: '127.0.0.11' });
      const codes: Array<string | undefined> = [];
      for (let i = 0; i < LIMIT + 3; i++) codes.push(await guess(a.url, fresh));
      fresh.destroy();
      assert.deepEqual(codes, [...Array(LIMIT).fill('40103'), '42900', '42900', '42900'], 'guesses while Redis is down');
      // A session ended while Redis is down is not served from node b's cache (it caches nothing now).
      assert.equal(envelopeOf(await send(agent, a.url, { path: '/v1/client/logout', headers: clientHeaders(leaving), body: '""' }))?.status, 200);
      assert.equal(envelopeOf(await getById(b.url, leaving))?.error.code, '40104');

      redis = await startRedis(port);
      // Both nodes use the shared counters again once the rate limit counts again (it is lifted while down).
      for (const server of [a, b]) {
        await eventually(`${server.url.origin} counts in Redis again`, async () => {
          const o = await send(
            agent,
            server.url,
            {
              path: TICKET_PATH,
              headers: { 'content-type': 'application/json', 'server-key': keys.serverKeyHeader },
              body: JSON.stringify(ticketBody('after', 0)),
            },
            HANG_MS,
          );
          return o.kind === 'response' && o.status === 200 && Number(o.headers['x-ratelimit-remaining']) < Number(o.headers['x-ratelimit-limit']);
        });
      }
      await load('Redis back', 10);
      // Failures are shared again: half the limit on each node blocks the address on both.
      const second = new http.Agent({ keepAlive: true, localAddress: '127.0.0.10' });
      for (let i = 0; i < LIMIT; i++) assert.equal(await guess(i % 2 === 0 ? a.url : b.url, second), '40103');
      assert.equal(await guess(b.url, second), '42900');
      second.destroy();
      // Fan-out between the nodes works again: a message sent on a reaches its recipient on b.
      const bob = await loginUserAt(baseB, keys, 'Bob');
      const aliceWs = await ChatSocket.open(socketUrl(baseA, keys.appKeyHeader, user.accessToken));
      const bobWs = await ChatSocket.open(socketUrl(baseB, keys.appKeyHeader, bob.accessToken));
      await eventually(
        'a message crosses from a to b',
        async () => {
          const out = outgoingMessage(personalRoom(user, bob), user, 'after the restart');
          aliceWs.emit('chat/sendMessage', out);
          return bobWs
            .waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID, 2000)
            .then(
              () => true,
              () => false,
            );
        },
        20,
      );
      await aliceWs.close();
      await bobWs.close();

      console.log(`redis faults: ${counts.ok} valid calls answered 200, ${counts.unavailable} answered 503`);
      assert.deepEqual(problems, []);
      assert.ok(counts.ok > 0);
      assert.deepEqual([...a.problems, ...b.problems], [], 'nothing logged at error level');
      for (const server of [a, b]) {
        server.child.kill('SIGTERM');
        assert.equal((await server.exited).code, 0);
      }
    } finally {
      agent.destroy();
      attacker.destroy();
      await stop(redis);
      await database.drop();
    }
  });

  it('starts with Redis unreachable: listens degraded, serves, throttles, and says so once', { timeout: 60_000 }, async () => {
    const database = await createTestDatabase('sqlite');
    const agent = keepAlive(4);
    try {
      const project = await createProject(database.url);
      const closedPort = await freePort();
      const server = await startServer(database.url, { PARLEY_REDIS_URL: `redis://127.0.0.1:${closedPort}`, PARLEY_AUTH_FAILURES_PER_ADDRESS: '3' });
      const ticket = await send(
        agent,
        server.url,
        {
          path: TICKET_PATH,
          headers: { 'content-type': 'application/json', 'server-key': project.serverKey.header },
          body: JSON.stringify(ticketBody('degraded', 1)),
        },
        HANG_MS,
      );
      assert.equal(envelopeOf(ticket)?.status, 200, describeOutcome(ticket));
      const codes: Array<string | undefined> = [];
      for (let i = 0; i < 5; i++) {
        const o = await send(
          agent,
          server.url,
          { path: TICKET_PATH, headers: { 'content-type': 'application/json', 'server-key': Buffer.from(`srv_x:${i}`).toString('base64') }, body: '{}' },
          HANG_MS,
        );
        codes.push(envelopeOf(o)?.error.code);
      }
      assert.deepEqual(codes.slice(3), ['42900', '42900']);
      const warnings = server
        .tail()
        .split('\n')
        .filter((line) => line.includes('Redis unreachable'));
      assert.equal(warnings.length, 1, server.tail());
      assert.deepEqual(server.problems, []);
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    } finally {
      agent.destroy();
      await database.drop();
    }
  });
});
