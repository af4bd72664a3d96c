// Webhook endpoints and the delivery outbox. A delivery row is written in the transaction of the change
// it announces, claimed by one node at a time, and retried until it is delivered or gives up.
import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../storage/schema.ts';
import type { WebhookDeliveryTable } from '../storage/schema-server-api.ts';

export interface WebhookEndpoint {
  id: string;
  projectId: string;
  url: string;
  events: string[];
  secretWrapped: string;
  createdAt: number;
}

export async function insertEndpoint(db: Kysely<DB>, e: WebhookEndpoint): Promise<void> {
  await db
    .insertInto('webhook_endpoints')
    .values({
      id: e.id,
      project_id: e.projectId,
      url: e.url,
      events: JSON.stringify(e.events),
      secret_wrapped: e.secretWrapped,
      created_at: e.createdAt,
      deleted_at: null,
    })
    .execute();
}

/** The live endpoints of a project (or every project). */
export async function listEndpoints(db: Kysely<DB>, projectId?: string): Promise<WebhookEndpoint[]> {
  let query = db.selectFrom('webhook_endpoints').selectAll().where('deleted_at', 'is', null);
  if (projectId !== undefined) query = query.where('project_id', '=', projectId);
  const rows = await query.orderBy('created_at').execute();
  return rows.map((r) => ({
    id: r.id,
    projectId: r.project_id,
    url: r.url,
    events: JSON.parse(r.events) as string[],
    secretWrapped: r.secret_wrapped,
    createdAt: r.created_at,
  }));
}

export async function findEndpoint(db: Kysely<DB>, id: string): Promise<WebhookEndpoint | undefined> {
  return (await listEndpoints(db)).find((e) => e.id === id);
}

/** Deletes an endpoint (its pending deliveries stop); false when there is none live with this id. */
export async function deleteEndpoint(db: Kysely<DB>, id: string, now: number): Promise<string | undefined> {
  const rows = await db
    .updateTable('webhook_endpoints')
    .set({ deleted_at: now })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returning('project_id')
    .execute();
  if (rows.length === 0) return undefined;
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'failed', last_error: 'endpoint deleted', finished_at: now })
    .where('endpoint_id', '=', id)
    .where('status', '=', 'pending')
    .execute();
  return rows[0]?.project_id;
}

export interface NewDelivery {
  endpointId: string;
  projectId: string;
  messageId: string;
  event: string;
  orderKey: string;
  payload: string;
}

export async function insertDeliveries(db: Kysely<DB>, deliveries: NewDelivery[], now: number): Promise<void> {
  if (deliveries.length === 0) return;
  await db
    .insertInto('webhook_deliveries')
    .values(
      deliveries.map((d) => ({
        endpoint_id: d.endpointId,
        project_id: d.projectId,
        message_id: d.messageId,
        event: d.event,
        order_key: d.orderKey,
        payload: d.payload,
        status: 'pending' as const,
        next_attempt_at: now,
        created_at: now,
        last_status: null,
        last_error: null,
        finished_at: null,
      })),
    )
    .execute();
}

export interface Delivery {
  id: number;
  endpointId: string;
  projectId: string;
  messageId: string;
  event: string;
  orderKey: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}

function toDelivery(r: Selectable<WebhookDeliveryTable>): Delivery {
  return {
    id: Number(r.id),
    endpointId: r.endpoint_id,
    projectId: r.project_id,
    messageId: r.message_id,
    event: r.event,
    orderKey: r.order_key,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

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
 */
export async function claimDue(db: Kysely<DB>, now: number, claimUntil: number, limit: number, postgres: boolean): Promise<Delivery[]> {
  return db.transaction().execute(async (trx) => {
    // The look-ups of prev and of the head ride the queue index (endpoint_id, order_key, status, id).
    const candidates = trx
      .selectFrom('webhook_deliveries as d')
      .select(['d.id', 'd.endpoint_id', 'd.order_key'])
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
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where('d.claimed_until', '<', now)
      // The queue's head (its oldest pending delivery) is not in flight, and due no later than this row.
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_deliveries as h')
              .select('h.id')
              .where('h.id', '=', (eb) =>
                eb
                  .selectFrom('webhook_deliveries as e')
                  .select((x) => x.fn.min('e.id').as('id'))
                  .whereRef('e.endpoint_id', '=', 'd.endpoint_id')
                  .whereRef('e.order_key', '=', 'd.order_key')
                  .where('e.status', '=', 'pending'),
              )
              .where((h) => h.or([h('h.next_attempt_at', '>', h.ref('d.next_attempt_at')), h('h.claimed_until', '>=', now)])),
          ),
        ),
      )
      .orderBy('d.next_attempt_at')
      .orderBy('d.id')
      .limit(limit);
    const rows = (await (postgres ? candidates.forUpdate().skipLocked() : candidates).execute()).sort((a, b) => Number(a.id) - Number(b.id));
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
  for (const d of delivered) byStatus.set(d.status, [...(byStatus.get(d.status) ?? []), d.id]);
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

/** A failed attempt: retried at `retryAt`, or given up (`retryAt` undefined). */
export async function markAttemptFailed(
  db: Kysely<DB>,
  id: number,
  outcome: { status: number | null; error: string },
  now: number,
  retryAt: number | undefined,
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: retryAt === undefined ? 'failed' : 'pending',
      attempts: eb('attempts', '+', 1),
      last_status: outcome.status,
      last_error: outcome.error.slice(0, 500),
      next_attempt_at: retryAt ?? now,
      finished_at: retryAt === undefined ? now : null,
      claimed_until: 0,
    }))
    .where('id', '=', id)
    .execute();
}

export async function listDeliveries(
  db: Kysely<DB>,
  filter: { projectId?: string; endpointId?: string; status?: Delivery['status']; limit: number },
): Promise<Delivery[]> {
  let query = db.selectFrom('webhook_deliveries').selectAll();
  if (filter.projectId !== undefined) query = query.where('project_id', '=', filter.projectId);
  if (filter.endpointId !== undefined) query = query.where('endpoint_id', '=', filter.endpointId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map(toDelivery);
}

/** Sends failed deliveries again from now, with a whole new retry schedule (same message id); returns how many. */
export async function replayDeliveries(db: Kysely<DB>, filter: { ids?: number[]; endpointId?: string }, now: number): Promise<number> {
  let query = db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, claimed_until: 0, finished_at: null })
    .where('status', '=', 'failed');
  if (filter.ids !== undefined) query = query.where('id', 'in', filter.ids.length > 0 ? filter.ids : [-1]);
  if (filter.endpointId !== undefined) query = query.where('endpoint_id', '=', filter.endpointId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Pending deliveries and the age of the oldest (metrics). */
export async function queueState(db: Kysely<DB>, now: number): Promise<{ pending: number; oldestAgeMs: number }> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('created_at').as('oldest')])
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  const oldest = row.oldest === null ? now : Number(row.oldest);
  return { pending: Number(row.n), oldestAgeMs: now - oldest };
}
