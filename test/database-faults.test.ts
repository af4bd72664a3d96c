// Database faults seen through the real app, on each database: a lock held elsewhere for longer than
// the database's own time limit, a readiness check that must not wait on a locked table (PostgreSQL),
// and pages of a SQLite file damaged while it serves. Every failing request is the 503 / 50300
// envelope with Retry-After, logged at warn without a stack; nothing is half done.
import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createDeps } from '../src/compose.ts';
import type { Deps } from '../src/deps.ts';
import { createLogger } from '../src/logging.ts';
import { buildServer } from '../src/server.ts';
import { type CreatedProject, createProject } from '../src/services/projects.ts';
import type { DialectName } from '../src/storage/dialect.ts';
import { type Ticketed, type TokenBundle, post } from './support/app.ts';
import { type ChatUser, ChatSocket, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { type TestDatabase, createTestDatabase, eachDialect } from './support/databases.ts';
import { eventually } from './support/eventually.ts';

const TICKET = '/v1/server/auth_ticket/request';
const REDEEM = '/v1/auth/access_token/request';
const body = (xcUserID: string) => ({ userIPAddress: '1.2.3.4', userAgent: 'ua', userPlatform: 'web', userDeviceID: 'd', xcUserID, fullName: xcUserID });

interface Booted {
  database: TestDatabase;
  deps: Deps;
  app: FastifyInstance;
  project: CreatedProject;
  /** Parsed log lines at warn and above. */
  logs(): Array<{ level: number; msg: string; err?: { stack?: string } }>;
  close(): Promise<void>;
}

async function boot(dialect: DialectName, env: Record<string, string>): Promise<Booted> {
  const database = await createTestDatabase(dialect);
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({ ...env, PARLEY_DATABASE_URL: database.url });
  const deps = await createDeps(config, { logger: createLogger('warn', sink) });
  const app = await buildServer(deps);
  const project = await createProject(deps, { name: 'faults', tier: 'free' });
  return {
    database,
    deps,
    app,
    project,
    logs: () => lines.map((l) => JSON.parse(l)),
    close: async () => {
      await app.close();
      await deps.close();
      await database.drop();
    },
  };
}

/** The answer, or a failure once `ms` passed: a hang fails the test (this is no timing assertion). */
async function within<T>(work: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Another connection takes the write lock (SQLite) or locks the tables a sign-in uses (PostgreSQL). */
async function holdLock(dialect: DialectName, url: string, tables = 'users, tickets, sessions'): Promise<() => Promise<void>> {
  if (dialect === 'sqlite') {
    const other = new BetterSqlite3(url.replace(/^sqlite:/, ''));
    other.exec('begin immediate');
    return async () => {
      other.exec('rollback');
      other.close();
    };
  }
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  await other.query('begin');
  await other.query(`lock table ${tables} in access exclusive mode`);
  return async () => {
    await other.query('rollback');
    await other.end();
  };
}

/** A user signed in through the ticket flow, as the chat helpers want it. */
async function signIn(t: Booted, xcUserID: string): Promise<ChatUser> {
  const ticket = await post<Ticketed>(t.app, TICKET, { 'server-key': t.project.serverKey.header }, body(xcUserID));
  const login = await post<TokenBundle>(t.app, REDEEM, { 'app-key': t.project.appKey.header, authorization: `Bearer ${ticket.body.data.ticket}` }, '');
  assert.equal(login.body.status, 200, JSON.stringify(login.body.error));
  return { userID: String(login.body.data.user.userID), ...login.body.data };
}

function assertQuietOutage(t: Booted): void {
  const logs = t.logs();
  assert.deepEqual(
    logs.filter((l) => l.level >= 50).map((l) => l.msg),
    [],
    'nothing at error level',
  );
  const outage = logs.filter((l) => l.msg === 'database unavailable');
  assert.ok(outage.length > 0, 'the outage is logged');
  for (const l of outage) assert.deepEqual([l.level, l.err?.stack ?? ''], [40, ''], 'at warn, without a stack');
}

await eachDialect(describe, 'database faults', (dialect) => {
  let t: Booted;
  before(async () => {
    t = await boot(dialect, { PARLEY_SQLITE_BUSY_TIMEOUT: '200', PARLEY_PG_STATEMENT_TIMEOUT: '1000', PARLEY_READY_TIMEOUT: '300' });
  });
  after(() => t.close());

  it('a lock held elsewhere past the time limit: 503 / 50300 with Retry-After; released, the same calls succeed', async () => {
    const server = { 'server-key': t.project.serverKey.header };
    const minted = await post(t.app, TICKET, server, body('before-lock'));
    assert.equal(minted.status, 200);
    const redeem = { 'app-key': t.project.appKey.header, authorization: `Bearer ${String(minted.body.data.ticket)}` };

    const release = await holdLock(dialect, t.database.url);
    try {
      const ticket = await within(post(t.app, TICKET, server, body('during-lock')), 'ticket request');
      assert.equal(ticket.status, 503);
      assert.deepEqual(ticket.body.error, { code: '50300', message: 'Database unavailable', field: '' });
      assert.equal(ticket.headers['retry-after'], '5');
      // Client APIs answer HTTP 200 with the status in the envelope.
      const login = await within(post(t.app, REDEEM, redeem, ''), 'ticket redemption');
      assert.deepEqual([login.status, login.body.status, login.body.error.code], [200, 503, '50300']);
      assert.equal(login.headers['retry-after'], '5');
    } finally {
      await release();
    }
    assert.equal((await post(t.app, TICKET, server, body('during-lock'))).status, 200);
    // The refused redemption changed nothing: the ticket is still unused.
    const login = await post(t.app, REDEEM, redeem, '');
    assert.equal(login.body.status, 200, JSON.stringify(login.body.error));
    assertQuietOutage(t);
  });

  it('a socket event that meets the lock gets an error event 503 / 50300; released, the same message is stored', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const [alice, bob] = [await signIn(t, 'socket-alice'), await signIn(t, 'socket-bob')];
    const ws = await ChatSocket.open(socketUrl(base, t.project.appKey.header, alice.accessToken));
    try {
      const out = outgoingMessage(personalRoom(alice, bob), alice, 'during the lock');
      const release = await holdLock(dialect, t.database.url, 'rooms, room_members, messages');
      try {
        ws.emit('chat/sendMessage', out);
        const error = await ws.waitFor((e) => e.eventName === 'error' && e.data.localID === out.localID, 15_000);
        assert.deepEqual([error.data.status, error.data.code, error.data.message], [503, '50300', 'Database unavailable']);
      } finally {
        await release();
      }
      ws.emit('chat/sendMessage', out);
      const echo = await ws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
      assert.match(echo.data.messageID, /^[1-9][0-9]*$/);
      assertQuietOutage(t);
    } finally {
      await ws.close();
    }
  });

  // PostgreSQL only: sessions are read from the database there (no cache without Redis), and SQLite
  // readers never wait for a lock.
  if (dialect === 'postgres')
    it('a socket upgrade that meets the lock is refused 503 / 50300, quietly', async () => {
      await t.app.listen({ port: 0, host: '127.0.0.1' }).catch(() => undefined);
      const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      const carol = await signIn(t, 'upgrade-carol');
      const release = await holdLock(dialect, t.database.url, 'sessions, users');
      try {
        const refused = await within(
          ChatSocket.open(socketUrl(base, t.project.appKey.header, carol.accessToken)).then(
            () => assert.fail('the upgrade went through'),
            (err: { statusCode?: number; body?: string }) => err,
          ),
          'socket upgrade',
        );
        assert.equal(refused.statusCode, 503);
        assert.equal(JSON.parse(refused.body ?? '{}').error.code, '50300');
      } finally {
        await release();
      }
      const ws = await ChatSocket.open(socketUrl(base, t.project.appKey.header, carol.accessToken));
      await ws.close();
      assertQuietOutage(t);
    });

  // PostgreSQL only: SQLite readers never wait for a lock, so there is no hung SQLite to wait on.
  if (dialect === 'postgres')
    it('/readyz answers 503 within its own deadline while the database does not answer', async () => {
      const release = await holdLock(dialect, t.database.url, 'kysely_migration');
      try {
        const res = await within(t.app.inject({ method: 'GET', url: '/readyz' }), '/readyz');
        assert.equal(res.statusCode, 503);
        assert.deepEqual(res.json().error, { code: '50300', message: 'Database unreachable', field: '' });
      } finally {
        await release();
      }
      assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    });
});

describe('SQLite write lock held for a moment by another process', () => {
  let t: Booted;
  before(async () => {
    t = await boot('sqlite', {});
  });
  after(() => t.close());

  it('is waited for (up to the busy timeout), not refused', async () => {
    const server = { 'server-key': t.project.serverKey.header };
    assert.equal((await post(t.app, TICKET, server, body('known'))).status, 200);
    // A thread of its own: this one is blocked in SQLite's busy wait meanwhile. It stands for a CLI
    // command writing next to the server, and holds the lock for a fifth of the default busy timeout.
    const holder = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const db = new (require(workerData.module))(workerData.path);
       db.exec('begin immediate');
       parentPort.postMessage('locked');
       setTimeout(() => { db.exec('commit'); db.close(); parentPort.postMessage('released'); }, 1000);`,
      { eval: true, workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), path: t.database.url.replace(/^sqlite:/, '') } },
    );
    const messages: string[] = [];
    const released = new Promise<void>((resolve) =>
      holder.on('message', (m: string) => {
        messages.push(m);
        if (m === 'released') resolve();
      }),
    );
    await new Promise<void>((resolve) => holder.once('message', () => resolve()));
    // A new name: the sign-in's transaction reads the user, then writes it (a read turning into a
    // write is what SQLite cannot wait for, unless the transaction took the lock at its start).
    const signIn = await within(post(t.app, TICKET, server, { ...body('known'), fullName: 'Known, renamed' }), 'sign-in');
    await released;
    await holder.terminate();
    assert.equal(signIn.status, 200, JSON.stringify(signIn.body.error));
    assert.deepEqual(messages, ['locked', 'released']);
  });
});

describe('SQLite pages damaged while serving', () => {
  let t: Booted;
  before(async () => {
    t = await boot('sqlite', {});
  });
  after(() => t.close());

  it('a sign-in touching them answers 503 / 50300, and /readyz answers 503 from then on', async () => {
    const server = { 'server-key': t.project.serverKey.header };
    for (let i = 0; i < 50; i++) assert.equal((await post(t.app, TICKET, server, body(`user-${i}`))).status, 200);

    // Every page of the users table and its indexes in the main file (the WAL emptied first), then a
    // write by another connection: the server's connection sees the change and drops its page cache.
    const path = t.database.url.replace(/^sqlite:/, '');
    const other = new BetterSqlite3(path);
    try {
      // The server's checkpointer thread may be checkpointing at this very moment (every 50 ms),
      // and a second checkpoint then answers busy at once: try again until it has the WAL to itself.
      other.pragma('busy_timeout = 5000');
      // 25 tries 20 ms apart: half a second, as before.
      await eventually('the WAL emptied', () => (other.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>)[0]?.busy === 0, 25);
      const pageSize = Number(other.pragma('page_size', { simple: true }));
      const roots = other.prepare("select rootpage from sqlite_schema where tbl_name = 'users' and rootpage > 0").pluck().all() as number[];
      assert.ok(roots.length >= 2, 'the table and its indexes');
      const fd = openSync(path, 'r+');
      try {
        for (const page of roots) writeSync(fd, Buffer.alloc(pageSize, 'garbage!'), 0, pageSize, (page - 1) * pageSize);
      } finally {
        closeSync(fd);
      }
      other.pragma('user_version = 7');
    } finally {
      other.close();
    }

    const signIn = await post(t.app, TICKET, server, body('user-1'));
    assert.equal(signIn.status, 503);
    assert.deepEqual(signIn.body.error, { code: '50300', message: 'Database unavailable', field: '' });
    for (let probe = 0; probe < 2; probe++) {
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.deepEqual(ready.json().error, { code: '50300', message: 'Database damaged', field: '' });
    }
    // Still answering what needs no database.
    assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.equal((await post(t.app, TICKET, server, body('user-2'))).status, 503);
    // Reported once at error level (an operator must act), each failed request at warn.
    const errors = t.logs().filter((l) => l.level >= 50);
    assert.deepEqual(
      errors.map((l) => l.msg),
      ['database file damaged: /readyz answers 503 until the file is restored and Parley restarted'],
    );
    assert.ok(t.logs().some((l) => l.level === 40 && l.msg === 'database unavailable'));
  });
});

describe('database limits in the configuration', () => {
  it('names each bad variable', () => {
    assert.throws(
      () =>
        loadConfig({
          PARLEY_PG_STATEMENT_TIMEOUT: '5000',
          PARLEY_PG_QUERY_TIMEOUT: '5000',
          PARLEY_SQLITE_STARTUP_CHECK: 'sometimes',
          PARLEY_READY_TIMEOUT: '2s',
        }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.length === 3 &&
        err.problems.some((p) => p.startsWith('PARLEY_PG_QUERY_TIMEOUT: must be more than PARLEY_PG_STATEMENT_TIMEOUT')) &&
        err.problems.some((p) => p.startsWith('PARLEY_SQLITE_STARTUP_CHECK:')) &&
        err.problems.some((p) => p.startsWith('PARLEY_READY_TIMEOUT:')),
    );
    const config = loadConfig({ PARLEY_PG_STATEMENT_TIMEOUT: '30000' });
    assert.equal(config.pgLimits.query, 35_000, 'the client waits a little longer than the server');
  });
});
