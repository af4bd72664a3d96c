// Mixed load on one SQLite server for a while: memory stays bounded, the WAL stays small, latency
// does not drift, and every valid call keeps succeeding. No assertion on absolute speed.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase } from '../support/databases.ts';
import {
  type Envelope,
  SYNC_PATH,
  TICKET_PATH,
  contactBody,
  createProject,
  ensureBuilt,
  envelopeProblem,
  keepAlive,
  killAll,
  procStats,
  send,
  size,
  sleep,
  startServer,
  ticketBody,
} from './support.ts';

const DURATION_MS = size(30_000, 600_000);
const SAMPLE_MS = size(2_000, 5_000);
const WORKERS = 8;
const WINDOWS = 10;
const MB = 1024 * 1024;

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? 0;

before(ensureBuilt);
after(killAll);

describe('soak [sqlite]', () => {
  it(`mixed load for ${DURATION_MS / 1000} s: bounded memory and WAL, no latency drift`, { timeout: DURATION_MS + 120_000 }, async () => {
    const database = await createTestDatabase('sqlite');
    const agent = keepAlive(WORKERS);
    try {
      const project = await createProject(database.url);
      const server = await startServer(database.url);
      const wal = `${database.url.replace(/^sqlite:/, '')}-wal`;
      const started = performance.now();
      const samples: Array<{ t: number; rss: number; wal: number }> = [];
      const latencies: Array<{ t: number; ms: number }> = [];
      const counts = new Map<string, number>();
      const failures: string[] = [];
      let stop = false;

      async function op(name: string, path: string, headers: Record<string, string>, body: unknown, method = 'POST'): Promise<Envelope | undefined> {
        const o = await send(agent, server.url, {
          method,
          path,
          headers: { 'content-type': 'application/json', ...headers },
          body: method === 'GET' ? undefined : JSON.stringify(body),
        });
        if (o.kind === 'error' || o.status !== 200 || envelopeProblem(o.text) !== undefined) {
          failures.push(`${name}: ${o.kind === 'error' ? o.code : `${o.status} ${o.text.slice(0, 200)}`}`);
          return undefined;
        }
        latencies.push({ t: o.doneAt - started, ms: o.doneAt - o.sentAt });
        counts.set(name, (counts.get(name) ?? 0) + 1);
        const env = JSON.parse(o.text) as Envelope;
        if (env.status !== 200) failures.push(`${name}: envelope ${env.status} ${env.error.code} ${env.error.message}`);
        return env.status === 200 ? env : undefined;
      }

      const appKey = { 'app-key': project.appKey.header };
      async function worker(w: number) {
        const tickets: string[] = [];
        let session: { access: string; refresh: string } | undefined;
        for (let i = 0; !stop; i++) {
          const n = w * 1_000_000 + i;
          const roll = Math.random();
          if (roll < 0.25) {
            const res = await op('ticket', TICKET_PATH, { 'server-key': project.serverKey.header }, ticketBody(`soak-${n % 5000}`, n));
            if (res && tickets.length < 20) tickets.push(String(res.data.ticket));
          } else if (roll < 0.5) {
            // 2,000 contacts per worker, synced over and over; customer IDs and phones stay paired.
            const k = w * 10_000 + (i % 2000);
            await op('sync', SYNC_PATH, { 'api-key': project.apiKey }, { ...contactBody(`soak-c-${k}`, k), fullName: `Contact ${i}` });
          } else if (roll < 0.6 && tickets.length > 0) {
            const res = await op('redeem', '/v1/auth/access_token/request', { ...appKey, authorization: `Bearer ${tickets.pop() as string}` }, '');
            if (res) session = { access: String(res.data.accessToken), refresh: String(res.data.refreshToken) };
          } else if (roll < 0.7 && session) {
            const res = await op('refresh', '/v1/auth/access_token/refresh', { ...appKey, authorization: `Bearer ${session.refresh}` }, '');
            session = res ? { access: String(res.data.accessToken), refresh: String(res.data.refreshToken) } : undefined;
          } else if (session) {
            await op('check', '/connect?check=1', { ...appKey, authorization: `Bearer ${session.access}` }, undefined, 'GET');
          } else {
            await op('configs', '/v1/client/project_configs', appKey, '');
          }
        }
      }

      const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
      while (performance.now() - started < DURATION_MS) {
        await sleep(SAMPLE_MS);
        let walBytes = 0;
        try {
          walBytes = statSync(wal).size;
        } catch {}
        samples.push({ t: performance.now() - started, rss: procStats(server.pid).rssBytes, wal: walBytes });
        if (failures.length > 100) break;
      }
      stop = true;
      await Promise.all(workers);

      const quarter = (q: number) => samples.filter((s) => s.t >= (q * DURATION_MS) / 4 && s.t < ((q + 1) * DURATION_MS) / 4).map((s) => s.rss);
      const firstMax = Math.max(...quarter(0));
      const lastMax = Math.max(...quarter(3));
      const walMax = Math.max(...samples.map((s) => s.wal));
      const window = (w: number) => latencies.filter((l) => l.t >= (w * DURATION_MS) / WINDOWS && l.t < ((w + 1) * DURATION_MS) / WINDOWS).map((l) => l.ms);
      const [firstP99, lastP99] = [p99(window(0)), p99(window(WINDOWS - 1))];
      console.log(
        `soak: ${latencies.length} requests ${JSON.stringify(Object.fromEntries(counts))}; RSS first-quarter max ${(firstMax / MB).toFixed(1)} MB, ` +
          `last-quarter max ${(lastMax / MB).toFixed(1)} MB; WAL max ${(walMax / MB).toFixed(1)} MB; p99 first window ${firstP99.toFixed(1)} ms, last ${lastP99.toFixed(1)} ms`,
      );

      assert.deepEqual(failures.slice(0, 10), [], `${failures.length} failed calls`);
      assert.ok(lastMax < 1.5 * firstMax + 30 * MB, 'RSS grows');
      assert.ok(walMax < 64 * MB, 'the WAL grows');
      assert.ok(lastP99 <= 3 * firstP99 + 20, 'latency drifts');
      assert.equal(server.child.exitCode, null);
      assert.deepEqual(server.problems, []);
      server.child.kill('SIGTERM');
      assert.equal((await server.exited).code, 0);
    } finally {
      agent.destroy();
      await killAll();
      await database.drop();
    }
  });
});
