// The webhook outbox's claim (issue #12, the dispatcher keeping up): a round takes each queue's run of
// pending deliveries from its head on, in order, and nothing of a queue while part of it is in flight or
// its head waits for a retry; a retried head still moves its queue however long the backlog behind it;
// two nodes claiming at once never share a delivery nor take a queue past the part the other holds.
// The times here lie far past the test clock, so the app's own dispatcher never finds these rows due.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { claimDue, markDelivered, releaseClaims } from '../src/repos/webhook-claims.ts';
import { type Delivery, insertDeliveries, markAttemptFailed } from '../src/repos/webhooks.ts';
import { createEndpoint } from '../src/services/webhooks.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { eachDialect } from './support/databases.ts';

const T = 9_000_000_000_000;
const CLAIM = 60_000;

await eachDialect(describe, 'webhook outbox claims', (dialect) => {
  let t: TestApp;
  let endpointId: string;
  let n = 0;

  before(async () => {
    t = await createTestApp(dialect, { PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true' });
    endpointId = (await createEndpoint(t.deps, t.project.projectID, 'http://127.0.0.1:9/never', ['message.sent'])).id;
  });
  after(() => t.close());

  /** `count` deliveries of queue `key`, written at `at`, one transaction each (as announcements are). */
  async function write(key: string, count: number, at: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const row = { endpointId, projectId: t.project.projectID, messageId: `msg_claim${n++}`, event: 'message.sent', orderKey: key, payload: '{}' };
      await insertDeliveries(t.deps.db, [row], at + i);
    }
  }
  const claim = (now: number, limit = 500) => claimDue(t.deps.db, now, now + CLAIM, limit, dialect === 'postgres');
  const of = (claimed: Delivery[], key: string) => claimed.filter((d) => d.orderKey === key);
  const ascending = (ds: Delivery[]) => ds.every((d, i) => i === 0 || d.id > (ds[i - 1] as Delivery).id);

  it('claims each queue as a run from its head, in order, and none of it again while in flight', async () => {
    await write('room-a', 5, T);
    await write('room-b', 3, T);
    const first = await claim(T + 100);
    assert.equal(of(first, 'room-a').length, 5);
    assert.equal(of(first, 'room-b').length, 3);
    assert.ok(ascending(of(first, 'room-a')) && ascending(of(first, 'room-b')));
    await write('room-a', 2, T + 200);
    assert.deepEqual(await claim(T + 300), [], "nothing of a queue while part of it is in flight: room-a's new rows wait");
    await markDelivered(
      t.deps.db,
      first.map((d) => ({ id: d.id, status: 204 })),
      T + 400,
    );
    const next = await claim(T + 500);
    assert.equal(of(next, 'room-a').length, 2);
    await markDelivered(
      t.deps.db,
      next.map((d) => ({ id: d.id, status: 200 })),
      T + 600,
    );
  });

  it('stops a run at a failure: the rest waits for the retry, which goes first, then the rest in order', async () => {
    const now = T + 10_000;
    await write('room-c', 4, now);
    const run = of(await claim(now + 100), 'room-c');
    assert.equal(run.length, 4);
    const [one, two, ...rest] = run as [Delivery, Delivery, ...Delivery[]];
    // The dispatcher: one delivered, two failed (retried later), the rest handed back unsent.
    await markAttemptFailed(t.deps.db, two.id, { status: 500, error: 'receiver refused' }, now + 200, now + 5000);
    await releaseClaims(
      t.deps.db,
      rest.map((d) => d.id),
    );
    await markDelivered(t.deps.db, [{ id: one.id, status: 204 }], now + 200);
    assert.deepEqual(of(await claim(now + 300), 'room-c'), [], 'the queue waits for its retried head');
    // The followers waited at their head's retry time: the retried head comes first, its followers after it.
    const retried = of(await claim(now + 5000), 'room-c');
    assert.deepEqual(
      retried.map((d) => d.id),
      [two.id, ...rest.map((d) => d.id)],
    );
    await markDelivered(
      t.deps.db,
      retried.map((d) => ({ id: d.id, status: 204 })),
      now + 5100,
    );
  });

  it("takes a queue that waits for its head's retry out of the due set, so rounds do not scan it again and again", async () => {
    // A receiver that is down: its backlog grows behind a head retried in an hour. Each round used to
    // walk every row of that backlog again (a scan the size of the outage, per round, on the event loop).
    const now = T + 40_000;
    await write('room-i', 3, now);
    const [head, ...others] = of(await claim(now + 100), 'room-i') as [Delivery, ...Delivery[]];
    await releaseClaims(
      t.deps.db,
      others.map((d) => d.id),
    );
    const retryAt = now + 3_600_000;
    await markAttemptFailed(t.deps.db, head.id, { status: null, error: 'ECONNREFUSED' }, now + 200, retryAt);
    await write('room-i', 50, now + 300);
    const due = async (at: number) =>
      Number(
        (
          await t.deps.db
            .selectFrom('webhook_deliveries')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('order_key', '=', 'room-i')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', at)
            .executeTakeFirstOrThrow()
        ).n,
      );
    assert.equal(await due(now + 1000), 52, 'before a round looked: the followers are due, the head is not');
    // A round looks at a bounded number of rows: enough rounds move the whole backlog to the retry time.
    for (let i = 0; i < 10 && (await due(now + 1000)) > 0; i++) assert.deepEqual(of(await claim(now + 1000, 4), 'room-i'), []);
    assert.equal(await due(now + 1000), 0, "every follower now waits for its head's retry");
    const rows = await t.deps.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'next_attempt_at'])
      .where('order_key', '=', 'room-i')
      .where('status', '=', 'pending')
      .execute();
    assert.ok(rows.every((r) => Number(r.next_attempt_at) === retryAt));
    // At the retry the head goes first, then its followers, in order.
    const back = of(await claim(retryAt, 100), 'room-i');
    assert.equal(back[0]?.id, head.id);
    assert.equal(back.length, 53);
    assert.ok(ascending(back));
    await markDelivered(
      t.deps.db,
      back.map((d) => ({ id: d.id, status: 204 })),
      retryAt + 100,
    );
  });

  it('moves a queue whose retried head is due after a backlog longer than a round', async () => {
    const now = T + 20_000;
    await write('room-d', 30, now);
    const [head] = of(await claim(now + 100, 10), 'room-d') as [Delivery, ...Delivery[]];
    assert.ok(head !== undefined);
    // Everything claimed goes back; the head is retried later than all 30 were written.
    await releaseClaims(t.deps.db, await idsOf('room-d'));
    await markAttemptFailed(t.deps.db, head.id, { status: null, error: 'ECONNREFUSED' }, now + 200, now + 1000);
    const taken = await claim(now + 2000, 10);
    assert.deepEqual(
      of(taken, 'room-d').map((d) => d.id),
      [head.id],
      'a round of 10 still reaches the head',
    );
    await markDelivered(t.deps.db, [{ id: head.id, status: 204 }], now + 2100);
    const after = of(await claim(now + 2200, 10), 'room-d');
    assert.equal(after.length, 10);
    assert.ok(ascending(after) && (after[0] as Delivery).id > head.id);
    await releaseClaims(t.deps.db, await idsOf('room-d'));
    await drain(now + 3000);
  });

  it('never gives one delivery to two nodes claiming at once, nor a queue past what the other holds', async () => {
    const now = T + 30_000;
    for (const key of ['room-e', 'room-f', 'room-g', 'room-h']) await write(key, 6, now);
    const [a, b] = await Promise.all([claim(now + 100, 12), claim(now + 100, 12)]);
    const ids = [...a, ...b].map((d) => d.id);
    assert.equal(new Set(ids).size, ids.length, 'no delivery claimed twice');
    for (const key of ['room-e', 'room-f', 'room-g', 'room-h']) {
      const all = await idsOf(key);
      for (const mine of [of(a, key), of(b, key)]) {
        // Whatever one node took of a queue starts at its head and has no gap.
        assert.deepEqual(
          mine.map((d) => d.id),
          all.slice(0, mine.length),
        );
      }
      assert.ok(of(a, key).length === 0 || of(b, key).length === 0, 'a queue belongs to one node at a time');
    }
    await releaseClaims(t.deps.db, ids);
    await drain(now + 1000);
  });

  /** Pending deliveries of a queue, oldest first. */
  async function idsOf(key: string): Promise<number[]> {
    const rows = await t.deps.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('order_key', '=', key)
      .where('status', '=', 'pending')
      .orderBy('id')
      .execute();
    return rows.map((r) => Number(r.id));
  }

  async function drain(now: number): Promise<void> {
    for (let claimed = await claim(now); claimed.length > 0; claimed = await claim(now)) {
      await markDelivered(
        t.deps.db,
        claimed.map((d) => ({ id: d.id, status: 204 })),
        now,
      );
    }
  }
});
