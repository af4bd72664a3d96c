// The dispatcher's side of the webhook outbox: claiming due deliveries a queue's run at a time, and
// recording a round's outcome (bench/README.md, "Method: webhooks", shows what it is measured against).
import type { Kysely } from 'kysely';
import { appendTo } from '../grouping.ts';
import type { DB } from '../storage/schema.ts';
import { type Delivery, toDelivery } from './webhooks.ts';

/**
 * Claims up to `limit` due deliveries, the longest due first: for each queue (an endpoint and an order
 * key) the run of pending ones from its oldest (the head) on, so the dispatcher sends a queue's
 * deliveries one after the other, in order, several a round. A queue whose head is claimed (in flight)
 * or waits for a retry gives none. Rows are scanned in the due index's order (next_attempt_at, id), so
 * a backlog costs no sort; a row due before its head (the head was retried) waits for the next round,
 * so a head always comes in the scan before its followers and every queue moves. `prev` (the pending
 * delivery just before a row in its queue) keeps a run unbroken: on PostgreSQL another node may hold
 * part of a queue (SKIP LOCKED skips it), and a run taken past such a gap would overtake it. A claim
 * lasts until `claimUntil`: a node that dies holding it lets another take it over then.
 *
 * A round looks at a bounded number of rows. A row found behind a head that waits for a retry is moved
 * to the head's retry time, out of the due set: a receiver that is down makes a backlog that later
 * rounds no longer walk (they used to scan all of it, each round, on the event loop).
 */
export async function claimDue(db: Kysely<DB>, now: number, claimUntil: number, limit: number, postgres: boolean): Promise<Delivery[]> {
  return db.transaction().execute(async (trx) => {
    // The look-ups of prev and of the head ride the queue index (endpoint_id, order_key, status, id).
    const scan = trx
      .selectFrom('webhook_deliveries as d')
      .select(['d.id', 'd.endpoint_id', 'd.order_key', 'd.next_attempt_at'])
      .select((eb) =>
        eb
          .selectFrom('webhook_deliveries as e')
          .select((x) => x.fn.max('e.id').as('id'))
          .whereRef('e.endpoint_id', '=', 'd.endpoint_id')
          .whereRef('e.order_key', '=', 'd.order_key')
          .where('e.status', '=', 'pending')
          .whereRef('e.id', '<', 'd.id')
          .as('prev'),
      )
      .select((eb) =>
        eb
          .selectFrom('webhook_deliveries as e')
          .select((x) => x.fn.min('e.id').as('id'))
          .whereRef('e.endpoint_id', '=', 'd.endpoint_id')
          .whereRef('e.order_key', '=', 'd.order_key')
          .where('e.status', '=', 'pending')
          .as('head'),
      )
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where('d.claimed_until', '<', now)
      .orderBy('d.next_attempt_at')
      .orderBy('d.id')
      .limit(limit + Math.max(limit, 64));
    const scanned = await (postgres ? scan.forUpdate().skipLocked() : scan).execute();
    const headIds = [...new Set(scanned.map((r) => Number(r.head)))];
    const heads = new Map<number, { due: number; claimed: number }>();
    if (headIds.length > 0) {
      const rows = await trx.selectFrom('webhook_deliveries').select(['id', 'next_attempt_at', 'claimed_until']).where('id', 'in', headIds).execute();
      for (const h of rows) heads.set(Number(h.id), { due: Number(h.next_attempt_at), claimed: Number(h.claimed_until) });
    }
    const waiting = new Map<number, number[]>();
    const candidates: typeof scanned = [];
    for (const r of scanned) {
      const head = heads.get(Number(r.head));
      if (head === undefined) continue;
      if (head.due > Number(r.next_attempt_at)) {
        // The head waits for a retry: this row waits with it (a retry later than now), or for the next round.
        if (head.due > now) appendTo(waiting, head.due, Number(r.id));
      } else if (head.claimed < now && candidates.length < limit) candidates.push(r);
    }
    for (const [due, ids] of waiting) {
      await trx.updateTable('webhook_deliveries').set({ next_attempt_at: due }).where('id', 'in', ids).where('next_attempt_at', '<', due).execute();
    }
    const rows = candidates.sort((a, b) => Number(a.id) - Number(b.id));
    // Each queue's run: from its head, each next row the one pending right after the last taken.
    const last = new Map<string, number | null | undefined>();
    const ids: number[] = [];
    for (const r of rows) {
      const queue = `${r.endpoint_id}\0${r.order_key}`;
      const before = last.has(queue) ? last.get(queue) : null;
      const prev = r.prev === null ? null : Number(r.prev);
      if (before === undefined || prev !== before) {
        last.set(queue, undefined);
        continue;
      }
      last.set(queue, Number(r.id));
      ids.push(Number(r.id));
    }
    if (ids.length === 0) return [];
    const claimed = await trx
      .updateTable('webhook_deliveries')
      .set({ claimed_until: claimUntil })
      .where('id', 'in', ids)
      .where('claimed_until', '<', now)
      .returningAll()
      .execute();
    return claimed.map(toDelivery).sort((a, b) => a.id - b.id);
  });
}

/** Deliveries the receiver took, recorded together (one statement per answer status). */
export async function markDelivered(db: Kysely<DB>, delivered: Array<{ id: number; status: number }>, now: number): Promise<void> {
  const byStatus = new Map<number, number[]>();
  for (const d of delivered) appendTo(byStatus, d.status, d.id);
  for (const [status, ids] of byStatus) {
    await db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ status: 'delivered', attempts: eb('attempts', '+', 1), last_status: status, last_error: null, finished_at: now, claimed_until: 0 }))
      .where('id', 'in', ids)
      .execute();
  }
}

/** Claims given back unsent (a queue stopped at a failure): the rows wait behind it, as pending. */
export async function releaseClaims(db: Kysely<DB>, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('webhook_deliveries').set({ claimed_until: 0 }).where('id', 'in', ids).where('status', '=', 'pending').execute();
}
