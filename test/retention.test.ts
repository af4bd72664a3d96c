// Retention (services/retention.ts) with a fake clock, on both databases: what expired goes, in
// batches, what is live stays, and on PostgreSQL a round runs on one node at a time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { runRetention } from '../src/services/retention.ts';
import { type TestApp, type Ticketed, type TokenBundle, createTestApp, post } from './support/app.ts';
import { eachDialect } from './support/databases.ts';
import { POWERTALK_SEED_REQUEST } from './support/fixtures.ts';

const DAY = 86_400_000;
const SETTINGS = { intervalSeconds: 600, sessionDays: 30, webhookDays: 7 };

await eachDialect(describe, 'retention', (dialect) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(dialect);
  });
  after(() => t.close());

  const count = async (table: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(t.deps.db)).rows[0]?.n);
  const client = (bearer: string) => ({ 'app-key': t.project.appKey.header, authorization: `Bearer ${bearer}`, 'content-type': 'text/plain;charset=UTF-8' });
  async function login(xcUserID: string): Promise<TokenBundle> {
    const { ticket } = (
      await post<Ticketed>(t.app, '/v1/server/auth_ticket/request', { 'server-key': t.project.serverKey.header }, { ...POWERTALK_SEED_REQUEST, xcUserID })
    ).body.data;
    const res = await post<TokenBundle>(t.app, '/v1/auth/access_token/request', client(ticket), '""');
    assert.equal(res.body.status, 200);
    return res.body.data;
  }

  it('deletes expired ticket records, ended sessions with their tokens, old deliveries and idempotency answers; keeps the live', async () => {
    const kept = await login('kept');
    const ended = await login('ended');
    assert.equal((await post(t.app, '/v1/client/logout', client(ended.accessToken), '""')).body.status, 200);
    const refreshed = await post<TokenBundle>(t.app, '/v1/auth/access_token/refresh', client(kept.refreshToken), '""');
    assert.equal(refreshed.body.status, 200);
    const now = t.clock.now();
    // Rows as the webhook dispatcher and the Idempotency-Key handling leave them.
    await t.deps.db
      .insertInto('webhook_endpoints')
      .values({
        id: 'whe_retention',
        project_id: t.project.projectID,
        url: 'https://example.com/',
        events: '[]',
        secret_wrapped: 'x',
        created_at: now,
        deleted_at: null,
      })
      .execute();
    const delivery = (id: string, status: 'delivered' | 'failed' | 'pending', finished: number | null) => ({
      endpoint_id: 'whe_retention',
      project_id: t.project.projectID,
      message_id: id,
      event: 'message.sent',
      order_key: 'r',
      payload: '{}',
      status,
      // Never due for the app's own dispatcher (it would give up the pending one: its endpoint's secret is unreadable).
      next_attempt_at: status === 'pending' ? 9_000_000_000_000 : now,
      created_at: now,
      finished_at: finished,
    });
    await t.deps.db
      .insertInto('webhook_deliveries')
      .values([delivery('old', 'delivered', now), delivery('failed', 'failed', now), delivery('pending', 'pending', null)])
      .execute();
    await t.deps.db
      .insertInto('idempotency_keys')
      .values({ project_id: t.project.projectID, key: 'k', request_hash: 'h', status: 200, body: '{}', created_at: now })
      .execute();
    // Many expired ticket records: more than one batch.
    const tickets = Array.from({ length: 2500 }, (_, i) => ({
      jti: `old-${i}`,
      project_id: t.project.projectID,
      kind: 'powertalk' as const,
      subject: '1',
      issued_at: now - 2 * 3_600_000,
      expires_at: now - 3_600_000,
      redeemed_at: now - 2 * 3_600_000,
    }));
    for (let i = 0; i < tickets.length; i += 500)
      await t.deps.db
        .insertInto('tickets')
        .values(tickets.slice(i, i + 500))
        .execute();
    assert.equal(await count('tickets'), 2502);

    // An hour on: the tickets of the logins expired; everything else is within its time.
    t.clock.advance(3_600_000 + 1);
    assert.deepEqual(await runRetention(t.deps, SETTINGS), { tickets: 2502 });
    assert.deepEqual(
      [await count('sessions'), await count('refresh_tokens'), await count('webhook_deliveries'), await count('idempotency_keys')],
      [2, 3, 3, 1],
    );

    // Eight days on: finished deliveries and the day-old idempotency answer go; the pending delivery stays.
    t.clock.advance(8 * DAY);
    assert.deepEqual(await runRetention(t.deps, SETTINGS), { webhook_deliveries: 2, idempotency_keys: 1 });
    const pending = await t.deps.db.selectFrom('webhook_deliveries').select('status').execute();
    assert.deepEqual(
      pending.map((r) => r.status),
      ['pending'],
    );

    // 31 days after the logout: the ended session goes with its token; the live one keeps its row,
    // though its refresh tokens (30 days) expired.
    t.clock.advance(23 * DAY);
    assert.deepEqual(await runRetention(t.deps, SETTINGS), { refresh_tokens: 3, sessions: 1 });
    const sessions = await t.deps.db.selectFrom('sessions').select(['revoked_at']).execute();
    assert.deepEqual(
      sessions.map((s) => s.revoked_at),
      [null],
    );
    // 30 more days: the idle session (its last refresh token expired 30 days ago) goes too.
    t.clock.advance(30 * DAY);
    assert.deepEqual(await runRetention(t.deps, SETTINGS), { sessions: 1 });
    assert.deepEqual(await runRetention(t.deps, SETTINGS), {});
  });

  if (dialect === 'postgres') {
    it('runs on one node at a time: a round finds the lock held and skips', async () => {
      const holder = new pg.Client({ connectionString: t.databaseUrl });
      await holder.connect();
      try {
        await holder.query("select pg_advisory_lock(hashtext('parley.retention'))");
        assert.equal(await runRetention(t.deps, SETTINGS), undefined);
        await holder.query("select pg_advisory_unlock(hashtext('parley.retention'))");
        assert.deepEqual(await runRetention(t.deps, SETTINGS), {});
      } finally {
        await holder.end();
      }
    });
  }
});
