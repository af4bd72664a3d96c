// SIGKILL under write load, then restart on the same database: every acknowledged write is there and
// whole, and nothing half-written is (a user row always has its ticket row: one transaction).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DialectName } from '../../src/storage/dialect.ts';
import { createTestDatabase, dialectAvailable } from '../support/databases.ts';
import {
  SYNC_PATH,
  TICKET_PATH,
  call,
  contactBody,
  createProject,
  ensureBuilt,
  jwtPayload,
  keepAlive,
  killAll,
  openDb,
  send,
  size,
  sleep,
  startServer,
  ticketBody,
} from './support.ts';

const CYCLES = size(2, 5);
const IN_FLIGHT = 16;

interface Sent {
  kind: 'sync' | 'ticket';
  key: string;
  body: Record<string, string>;
  /** The answer's data when it was 200; undefined when the request failed or was cut off. */
  acked?: { userID: string; ticket?: string };
}

const CASES: Array<{ name: string; dialect: DialectName; env: Record<string, string> }> = [
  { name: 'SQLite', dialect: 'sqlite', env: {} },
  { name: 'SQLite, PARLEY_SQLITE_SYNCHRONOUS=FULL', dialect: 'sqlite', env: { PARLEY_SQLITE_SYNCHRONOUS: 'FULL' } },
  { name: 'PostgreSQL', dialect: 'postgres', env: {} },
];

before(ensureBuilt);
after(killAll);

for (const c of CASES) {
  describe(`kill -9 under load [${c.name}]`, { skip: (await dialectAvailable(c.dialect)) ? false : 'PostgreSQL unreachable' }, () => {
    it(`keeps every acknowledged write and no half-written one (${CYCLES} kills)`, async () => {
      const database = await createTestDatabase(c.dialect);
      let agent = keepAlive(IN_FLIGHT);
      try {
        const project = await createProject(database.url);
        const sent: Sent[] = [];
        let n = 0;
        const stats = { acked: 0, failed: 0, refused: 0 };
        const unexpected: string[] = [];
        for (let cycle = 0; cycle < CYCLES; cycle++) {
          const server = await startServer(database.url, c.env);
          let killed = false;
          const worker = async () => {
            while (!killed) {
              const i = ++n;
              const ticket = i % 2 === 0;
              const body = ticket ? ticketBody(`xc-${i}`, i) : contactBody(`cu-${i}`, i);
              const entry: Sent = { kind: ticket ? 'ticket' : 'sync', key: ticket ? `xc-${i}` : `cu-${i}`, body };
              sent.push(entry);
              const headers = ticket ? { 'server-key': project.serverKey.header } : { 'api-key': project.apiKey };
              const o = await send(agent, server.url, {
                path: ticket ? TICKET_PATH : SYNC_PATH,
                headers: { 'content-type': 'application/json', ...headers },
                body: JSON.stringify(body),
              });
              if (o.kind === 'response' && o.status === 200) {
                entry.acked = JSON.parse(o.text).data as Sent['acked'];
                stats.acked++;
              } else if (o.kind === 'response') {
                unexpected.push(`a valid request answered ${o.status}: ${o.text}`);
              } else if (o.code === 'ECONNREFUSED') {
                stats.refused++;
              } else stats.failed++;
            }
          };
          const workers = Array.from({ length: IN_FLIGHT }, worker);
          await sleep(size(800, 2000) + Math.random() * size(700, 2000));
          killed = true; // the requests in flight now are cut off by the kill
          server.child.kill('SIGKILL');
          await Promise.all([server.exited, ...workers]);
          unexpected.push(...server.problems);
          agent.destroy();
          agent = keepAlive(IN_FLIGHT);
        }
        assert.deepEqual(unexpected, []);

        // Restart on the same database: it serves, and the database holds exactly what it should.
        const server = await startServer(database.url, c.env);
        assert.equal((await call(agent, server.url, '/readyz', {}, undefined, 'GET')).status, 200);
        const { db, close } = await openDb(database.url);
        try {
          const contacts = new Map((await db.selectFrom('contacts').selectAll().execute()).map((r) => [r.customer_user_id, r]));
          const users = new Map((await db.selectFrom('users').selectAll().execute()).map((r) => [r.xc_user_id, r]));
          // Issuing a ticket writes nothing: a ticket is recorded only when it is redeemed.
          const tickets = await db.selectFrom('tickets').selectAll().execute();
          const byKey = new Map(sent.map((s) => [s.key, s]));

          for (const s of sent.filter((x) => x.acked !== undefined)) {
            const acked = s.acked as NonNullable<Sent['acked']>;
            if (s.kind === 'sync') {
              const row = contacts.get(s.key);
              assert.ok(row, `acknowledged sync ${s.key} is missing`);
              assert.equal(row.id, acked.userID);
              assert.deepEqual(
                [row.full_name, row.alias, row.email, row.phone, row.photo_url],
                [s.body.fullName, s.body.alias, s.body.email, s.body.phone, s.body.photoURL],
              );
            } else {
              const row = users.get(s.key);
              assert.ok(row, `acknowledged ticket request for ${s.key} has no user`);
              assert.equal(String(row.id), acked.userID);
              assert.equal(jwtPayload(acked.ticket ?? '').sub, acked.userID);
            }
          }
          // Every row comes from a request we sent, whole (acknowledged or cut off after its commit).
          for (const [key, row] of contacts) {
            const s = byKey.get(key ?? '');
            assert.ok(s?.kind === 'sync', `contact ${key} was never sent`);
            assert.deepEqual(
              [row.full_name, row.alias, row.email, row.phone, row.photo_url],
              [s.body.fullName, s.body.alias, s.body.email, s.body.phone, s.body.photoURL],
            );
          }
          for (const [key, row] of users) {
            const s = byKey.get(key);
            assert.ok(s?.kind === 'ticket', `user ${key} was never sent`);
            assert.deepEqual(
              [row.fullname, row.email, row.phone, row.username, row.last_device_id],
              [s.body.fullName, s.body.email, s.body.phone, s.body.username, s.body.userDeviceID],
            );
          }
          assert.deepEqual(tickets, [], 'no ticket was redeemed, so none is recorded');

          // The restarted server uses what survived: an acknowledged ticket redeems, a contact syncs again.
          const lastTicket = [...sent].reverse().find((s) => s.kind === 'ticket' && s.acked !== undefined);
          const lastSync = [...sent].reverse().find((s) => s.kind === 'sync' && s.acked !== undefined);
          assert.ok(lastTicket?.acked && lastSync?.acked, 'some requests were acknowledged');
          const redeemed = await call(agent, server.url, '/v1/auth/access_token/request', {
            'app-key': project.appKey.header,
            authorization: `Bearer ${lastTicket.acked.ticket}`,
          });
          assert.equal(redeemed.status, 200, JSON.stringify(redeemed.error));
          const again = await call(agent, server.url, SYNC_PATH, { 'api-key': project.apiKey }, lastSync.body);
          assert.deepEqual([again.status, again.data.userID, again.data.message], [200, lastSync.acked.userID, 'Contact updated successfully']);
          assert.deepEqual(server.problems, []);

          const unacked = contacts.size + users.size - stats.acked;
          console.log(
            `${c.name}: ${sent.length} sent, ${stats.acked} acknowledged, ${stats.failed} cut off (${unacked} of them committed), ${stats.refused} refused`,
          );
        } finally {
          await close();
        }
        server.child.kill('SIGTERM');
        assert.equal((await server.exited).code, 0);
      } finally {
        agent.destroy();
        await killAll();
        await database.drop();
      }
    });
  });
}
