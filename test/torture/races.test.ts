// Two `parley serve` processes on one PostgreSQL database, racing on the same keys, tickets and
// refresh tokens. The database's constraints and conditional updates must pick exactly one winner.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { CreatedProject } from '../../src/services/projects.ts';
import { type TestDatabase, createTestDatabase, dialectAvailable } from '../support/databases.ts';
import {
  type Envelope,
  type ServerProcess,
  SYNC_PATH,
  TICKET_PATH,
  call,
  createProject,
  ensureBuilt,
  keepAlive,
  killAll,
  openDb,
  size,
  startServer,
  ticketBody,
} from './support.ts';

const SYNCS = size(1000, 5000);
const KEYS = 50;
const TICKETS = size(50, 200);

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

describe('races between two processes on one PostgreSQL database', { skip: (await dialectAvailable('postgres')) ? false : 'PostgreSQL unreachable' }, () => {
  let database: TestDatabase;
  let project: CreatedProject;
  let servers: ServerProcess[];
  const agent: http.Agent = keepAlive(64);
  const appKey = () => ({ 'app-key': project.appKey.header });
  const server = (i: number) => servers[i % 2] as ServerProcess;

  before(async () => {
    await ensureBuilt();
    database = await createTestDatabase('postgres');
    project = await createProject(database.url);
    servers = await Promise.all([startServer(database.url), startServer(database.url)]);
  });
  after(async () => {
    agent.destroy();
    await killAll();
    await database?.drop();
  });

  it(`${SYNCS} sync_contact calls on ${KEYS} keys leave ${KEYS} contacts`, async () => {
    const answers = await pool(SYNCS, 32, async (i) => {
      const k = i % KEYS;
      // Every other call leaves the phone out: the key pairs stay fixed, the match paths differ.
      const body = { customerUserID: `race-${k}`, fullName: `Racer ${i}`, ...(i % 3 === 0 ? {} : { phone: `+62 812 7000 ${String(k).padStart(4, '0')}` }) };
      return call(agent, server(i).url, SYNC_PATH, { 'api-key': project.apiKey }, body);
    });
    const codes = new Map<string, number>();
    for (const a of answers) codes.set(`${a.status}/${a.error.code}`, (codes.get(`${a.status}/${a.error.code}`) ?? 0) + 1);
    console.log('sync answers:', Object.fromEntries(codes));
    for (const code of codes.keys()) assert.ok(['200/', '409/40901', '409/40902'].includes(code), `undocumented answer ${code}`);
    const ids = new Map<string, Set<unknown>>();
    answers.forEach((a, i) => {
      if (a.status === 200) ids.set(`race-${i % KEYS}`, (ids.get(`race-${i % KEYS}`) ?? new Set()).add(a.data.userID));
    });
    for (const [key, set] of ids) assert.equal(set.size, 1, `${key} was answered with ${set.size} different contacts`);

    const { db, close } = await openDb(database.url);
    try {
      const dup = (column: string) =>
        sql<{
          n: number;
        }>`select count(*)::int as n from (select ${sql.ref(column)} from contacts where ${sql.ref(column)} is not null group by 1 having count(*) > 1) d`.execute(
          db,
        );
      assert.equal((await dup('customer_user_id')).rows[0]?.n, 0, 'duplicate customer_user_id');
      assert.equal((await dup('phone')).rows[0]?.n, 0, 'duplicate phone');
      const rows = await db.selectFrom('contacts').select(['customer_user_id', 'phone']).execute();
      assert.equal(rows.length, KEYS);
      for (const r of rows) assert.equal(r.phone, `628127000${r.customer_user_id?.slice(5).padStart(4, '0')}`);
    } finally {
      await close();
    }
  });

  it(`each of ${TICKETS} tickets redeemed on both processes at once succeeds exactly once`, async () => {
    const tickets = await pool(TICKETS, 16, async (i) => {
      const res = await call(agent, server(i).url, TICKET_PATH, { 'server-key': project.serverKey.header }, ticketBody(`ticket-race-${i}`, i));
      assert.equal(res.status, 200);
      return String(res.data.ticket);
    });
    const redeem = (s: ServerProcess, ticket: string) =>
      call(agent, s.url, '/v1/auth/access_token/request', { ...appKey(), authorization: `Bearer ${ticket}` });
    const outcomes = await pool(TICKETS, 8, (i) => Promise.all(servers.map((s) => redeem(s, tickets[i] as string))));
    for (const pair of outcomes) {
      assert.deepEqual(pair.map((e) => e.status).sort(), [200, 401], JSON.stringify(pair.map((e) => e.error)));
      assert.equal(pair.find((e) => e.status === 401)?.error.code, '40103');
    }
  });

  it(`a refresh token replayed on both processes at once: at most one wins, at most one session lives (${TICKETS} times)`, async () => {
    const tally = new Map<string, number>();
    await pool(TICKETS, 8, async (i) => {
      const t = await call(agent, server(i).url, TICKET_PATH, { 'server-key': project.serverKey.header }, ticketBody(`refresh-race-${i}`, i));
      const login = await call(agent, server(i).url, '/v1/auth/access_token/request', { ...appKey(), authorization: `Bearer ${String(t.data.ticket)}` });
      assert.equal(login.status, 200, JSON.stringify(login.error));
      const refresh = String(login.data.refreshToken);
      const pair: Envelope[] = await Promise.all(
        servers.map((s) => call(agent, s.url, '/v1/auth/access_token/refresh', { ...appKey(), authorization: `Bearer ${refresh}` })),
      );
      const winners = pair.filter((e) => e.status === 200);
      assert.ok(winners.length <= 1, 'both refreshes succeeded');
      for (const e of pair) assert.ok(e.status === 200 || e.error.code === '40103', JSON.stringify(e.error));
      const tokens = [String(login.data.accessToken), ...winners.map((w) => String(w.data.accessToken))];
      let alive = 0;
      for (const token of tokens) {
        const checks = await Promise.all(
          servers.map((s) => call(agent, s.url, '/connect?check=1', { ...appKey(), authorization: `Bearer ${token}` }, undefined, 'GET')),
        );
        assert.equal(checks[0]?.status, checks[1]?.status, 'both processes see the same session state');
        if (checks[0]?.status === 200) alive++;
      }
      assert.ok(alive <= 1, `${alive} access tokens of one session still usable`);
      const key = `${winners.length} refreshed, ${alive} alive`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    });
    console.log('refresh races:', Object.fromEntries(tally));
  });

  it('both processes stayed healthy', () => {
    for (const s of servers) {
      assert.equal(s.child.exitCode, null);
      assert.deepEqual(s.problems, []);
    }
  });
});
