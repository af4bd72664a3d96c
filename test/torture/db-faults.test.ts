// Database faults under load (issue #9, defects 2, 6 and 17). PostgreSQL backends terminated while
// requests are in flight, a PostgreSQL that stops answering (a proxy that swallows every byte), and a
// SQLite file with damaged pages. Every answer must be a 200 or the 503 / 50300 envelope (never a 500,
// never a dropped connection or a hang), the process must live and log nothing at error level, and
// once the database is back, requests must succeed again without a restart.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openSync, closeSync, writeSync, statSync } from 'node:fs';
import type { CreatedProject } from '../../src/services/projects.ts';
import { createTestDatabase, dialectAvailable } from '../support/databases.ts';
import { startProxy } from './proxy.ts';
import {
  type Outcome,
  type ServerProcess,
  SYNC_PATH,
  TICKET_PATH,
  call,
  contactBody,
  createProject,
  ensureBuilt,
  envelopeProblem,
  keepAlive,
  killAll,
  send,
  size,
  sleep,
  startServer,
  ticketBody,
} from './support.ts';

const WORKERS = 16;
/** A request not answered within this is a hang: the test fails on it (the server bounds its own waits well below). */
const REQUEST_TIMEOUT_MS = 15_000;
const pgAvailable = await dialectAvailable('postgres');

before(ensureBuilt);
after(killAll);

/** The calls the load makes: server API (HTTP status = envelope status), integration API, client API (HTTP 200). */
type Op = { name: string; realm: 'status' | 'ok'; path: string; headers: http.OutgoingHttpHeaders; body: unknown };

function ops(project: CreatedProject, accessToken: string, i: number): Op[] {
  const client = { 'app-key': project.appKey.header, authorization: `Bearer ${accessToken}` };
  return [
    { name: 'ticket', realm: 'status', path: TICKET_PATH, headers: { 'server-key': project.serverKey.header }, body: ticketBody(`xc-${i % 200}`, i) },
    { name: 'sync', realm: 'status', path: SYNC_PATH, headers: { 'api-key': project.apiKey }, body: contactBody(`cu-${i % 200}`, i % 200) },
    { name: 'contacts', realm: 'ok', path: '/v1/client/contact/list', headers: client, body: '' },
    { name: 'rooms', realm: 'ok', path: '/v1/chat/message/room_list_and_unread', headers: client, body: '' },
  ];
}

/** '200', '503' (the documented envelope with Retry-After), or why the answer is wrong. */
function judge(op: Op, o: Outcome): string {
  if (o.kind === 'error') return `${op.name}: no answer (${o.code})`;
  const problem = envelopeProblem(o.text);
  if (problem !== undefined) return `${op.name}: HTTP ${o.status}, ${problem}`;
  const env = JSON.parse(o.text) as { status: number; error: { code: string } };
  const httpStatus = op.realm === 'status' ? env.status : 200;
  if (o.status !== httpStatus) return `${op.name}: HTTP ${o.status} for envelope ${env.status}`;
  if (env.status === 200) return '200';
  if (env.status === 503 && env.error.code === '50300' && Number(o.headers['retry-after']) > 0) return '503';
  return `${op.name}: ${o.status} ${o.text.slice(0, 300)}`;
}

async function exchange(agent: http.Agent, server: ServerProcess, op: Op): Promise<string> {
  const body = typeof op.body === 'string' ? op.body : JSON.stringify(op.body);
  const o = await send(agent, server.url, { path: op.path, headers: { 'content-type': 'application/json', ...op.headers }, body }, REQUEST_TIMEOUT_MS);
  return judge(op, o);
}

/** Concurrent valid requests until stopped; tallies each verdict. */
function drive(agent: http.Agent, server: ServerProcess, project: CreatedProject, accessToken: string) {
  const tally = new Map<string, number>();
  let stopped = false;
  let n = 0;
  const worker = async () => {
    while (!stopped) {
      const i = n++;
      const verdict = await exchange(agent, server, ops(project, accessToken, i)[i % 4] as Op);
      tally.set(verdict, (tally.get(verdict) ?? 0) + 1);
    }
  };
  const workers = Array.from({ length: WORKERS }, worker);
  return {
    tally,
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      return tally;
    },
  };
}

/** Every kind of call answers 200 (the pool is usable again), within a deadline that only fails the test. */
async function recovered(agent: http.Agent, server: ServerProcess, project: CreatedProject, accessToken: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  let last = '';
  while (performance.now() < deadline) {
    const ready = await send(agent, server.url, { method: 'GET', path: '/readyz' }, REQUEST_TIMEOUT_MS);
    if (ready.kind === 'response' && ready.status === 200) {
      const verdicts = await Promise.all(ops(project, accessToken, 10_000).map((op) => exchange(agent, server, op)));
      if (verdicts.every((v) => v === '200')) return;
      last = verdicts.join(', ');
    } else last = ready.kind === 'response' ? ready.text : ready.code;
    await sleep(250);
  }
  assert.fail(`requests still fail after the database came back: ${last}`);
}

async function signIn(agent: http.Agent, server: ServerProcess, project: CreatedProject): Promise<string> {
  const ticket = await call(agent, server.url, TICKET_PATH, { 'server-key': project.serverKey.header }, ticketBody('reader', 0));
  assert.equal(ticket.status, 200, JSON.stringify(ticket.error));
  const login = await call(agent, server.url, '/v1/auth/access_token/request', {
    'app-key': project.appKey.header,
    authorization: `Bearer ${String(ticket.data.ticket)}`,
  });
  assert.equal(login.status, 200, JSON.stringify(login.error));
  return String(login.data.accessToken);
}

function verdicts(tally: Map<string, number>): { bad: string[]; ok: number; unavailable: number } {
  const bad = [...tally].filter(([v]) => v !== '200' && v !== '503').map(([v, count]) => `${count} × ${v}`);
  return { bad, ok: tally.get('200') ?? 0, unavailable: tally.get('503') ?? 0 };
}

describe('PostgreSQL backends terminated under load', { skip: pgAvailable ? false : 'PostgreSQL unreachable' }, () => {
  const ROUNDS = size(15, 60);
  it(`answers 200 or 503 / 50300, stays up, and recovers (${ROUNDS} rounds of pg_terminate_backend)`, async () => {
    const database = await createTestDatabase('postgres');
    const agent = keepAlive(WORKERS + 4);
    const admin = new pg.Client({ connectionString: database.url });
    try {
      const project = await createProject(database.url);
      // One user's calls stand for the load of many: the per-user call rate would refuse most of them.
      const server = await startServer(database.url, { PARLEY_CLIENT_CALL_RATE: '0' });
      let exited: unknown;
      void server.exited.then((e) => (exited = e));
      const token = await signIn(agent, server, project);
      await admin.connect();
      const dbName = new URL(database.url).pathname.slice(1);

      const load = drive(agent, server, project, token);
      let terminated = 0;
      for (let round = 0; round < ROUNDS && exited === undefined; round++) {
        await sleep(100 + Math.random() * 200);
        const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
        terminated += killed.rowCount ?? 0;
      }
      const tally = await load.stop();
      assert.equal(exited, undefined, `parley serve died:\n${server.tail()}`);
      const { bad, ok, unavailable } = verdicts(tally);
      console.log(`terminated ${terminated} backends; answers: ${ok} × 200, ${unavailable} × 503`);
      assert.deepEqual(bad, []);
      assert.ok(terminated > 0, 'no backend was terminated: the storm did not happen');

      await recovered(agent, server, project, token);
      assert.deepEqual(server.problems, []);
      assert.equal(exited, undefined);
    } finally {
      agent.destroy();
      await admin.end().catch(() => {});
      await killAll();
      await database.drop();
    }
  });
});

describe('a PostgreSQL that stops answering', { skip: pgAvailable ? false : 'PostgreSQL unreachable' }, () => {
  const HANG_MS = size(6_000, 20_000);
  it('answers 503 / 50300 within bounds, /readyz says 503, and recovers when it answers again', async () => {
    const database = await createTestDatabase('postgres');
    const direct = new URL(database.url);
    const proxy = await startProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    const agent = keepAlive(WORKERS + 4);
    try {
      const project = await createProject(database.url);
      // Short bounds, so a whole request (a wait for a connection, then one query) stays well inside REQUEST_TIMEOUT_MS.
      const server = await startServer(viaProxy.toString(), {
        PARLEY_PG_CONNECT_TIMEOUT: '2000',
        PARLEY_PG_STATEMENT_TIMEOUT: '2000',
        PARLEY_PG_QUERY_TIMEOUT: '3000',
        PARLEY_CLIENT_CALL_RATE: '0',
      });
      let exited: unknown;
      void server.exited.then((e) => (exited = e));
      const token = await signIn(agent, server, project);

      const load = drive(agent, server, project, token);
      await sleep(1000);
      proxy.hang();
      await sleep(HANG_MS / 2);
      const ready = await send(agent, server.url, { method: 'GET', path: '/readyz' }, REQUEST_TIMEOUT_MS);
      const readyVerdict = ready.kind === 'response' ? `${ready.status} ${ready.text}` : ready.code;
      await sleep(HANG_MS / 2);
      const during = new Map(load.tally);
      proxy.resume();
      await recovered(agent, server, project, token);
      const tally = await load.stop();

      assert.equal(exited, undefined, `parley serve died:\n${server.tail()}`);
      assert.match(readyVerdict, /^503 .*"code":"50300"/, '/readyz during the hang');
      const { bad, ok, unavailable } = verdicts(tally);
      console.log(`hang: ${ok} × 200, ${unavailable} × 503`);
      assert.deepEqual(bad, []);
      assert.ok(verdicts(during).unavailable > 0, 'no request was refused during the hang');
      assert.deepEqual(server.problems, []);
    } finally {
      agent.destroy();
      await killAll();
      await proxy.close();
      await database.drop();
    }
  });
});

describe('a SQLite file with damaged pages', () => {
  it('refuses to start: exit 1 with one line naming the problem', async () => {
    const database = await createTestDatabase('sqlite');
    const agent = keepAlive(WORKERS);
    try {
      const path = database.url.replace(/^sqlite:/, '');
      const project = await createProject(database.url);
      const server = await startServer(database.url);
      // Enough rows that the middle of the file is table and index pages.
      const made = await Promise.all(
        Array.from({ length: WORKERS }, async (_, w) => {
          for (let i = w; i < 600; i += WORKERS) {
            const ticket = await call(agent, server.url, TICKET_PATH, { 'server-key': project.serverKey.header }, ticketBody(`fill-${i}`, i));
            const sync = await call(agent, server.url, SYNC_PATH, { 'api-key': project.apiKey }, contactBody(`fill-${i}`, i));
            assert.deepEqual([ticket.status, sync.status], [200, 200]);
          }
        }),
      );
      assert.equal(made.length, WORKERS);
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);

      // Garbage over a few pages in the middle of the file (closed cleanly: the WAL is in the file).
      const sqlite = new BetterSqlite3(path, { readonly: true });
      const pageSize = Number(sqlite.pragma('page_size', { simple: true }));
      sqlite.close();
      const pages = Math.floor(statSync(path).size / pageSize);
      assert.ok(pages > 40, `only ${pages} pages`);
      const fd = openSync(path, 'r+');
      try {
        for (let p = Math.floor(pages / 2) - 2; p < Math.floor(pages / 2) + 2; p++)
          writeSync(fd, Buffer.alloc(pageSize, 'garbage!'), 0, pageSize, p * pageSize);
      } finally {
        closeSync(fd);
      }

      let started: ServerProcess | undefined;
      let failure = '';
      try {
        started = await startServer(database.url);
      } catch (err) {
        failure = (err as Error).message;
      }
      if (started !== undefined) {
        const ready = await send(agent, started.url, { method: 'GET', path: '/readyz' });
        assert.fail(`parley serve started on a damaged file (/readyz: ${ready.kind === 'response' ? ready.status : ready.code})`);
      }
      const output = failure
        .split('\n')
        .slice(1)
        .filter((l) => l.trim() !== '');
      assert.match(failure, /^parley serve exited \(1\) before listening/);
      assert.equal(output.length, 1, `expected one line, got:\n${output.join('\n')}`);
      assert.match(output[0] as string, /^parley serve: the SQLite database .* is damaged/);
      assert.ok((output[0] as string).includes(path), 'the line names the file');
    } finally {
      agent.destroy();
      await killAll();
      await database.drop();
    }
  });
});
