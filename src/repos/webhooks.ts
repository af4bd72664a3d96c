// Webhook endpoints and the delivery outbox. A delivery row is written in the transaction of the change
// it announces, claimed by one node at a time, and retried until it is delivered or gives up.
import type { Kysely, Selectable } from 'kysely';
import { Precompiled } from '../storage/precompiled.ts';
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

type DeliveryField = 'endpoint_id' | 'project_id' | 'message_id' | 'event' | 'order_key' | 'payload' | 'now';

// One subscribed endpoint is the usual case, and this insert runs with every announced message.
const INSERT_DELIVERY = new Precompiled<DeliveryField, never>((db, slot) =>
  db.insertInto('webhook_deliveries').values({
    endpoint_id: slot('endpoint_id'),
    project_id: slot('project_id'),
    message_id: slot('message_id'),
    event: slot('event'),
    order_key: slot('order_key'),
    payload: slot('payload'),
    status: 'pending',
    next_attempt_at: slot('now'),
    created_at: slot('now'),
    last_status: null,
    last_error: null,
    finished_at: null,
  }),
);

export async function insertDeliveries(db: Kysely<DB>, deliveries: NewDelivery[], now: number): Promise<void> {
  const row = (d: NewDelivery) => ({
    endpoint_id: d.endpointId,
    project_id: d.projectId,
    message_id: d.messageId,
    event: d.event,
    order_key: d.orderKey,
    payload: d.payload,
  });
  if (deliveries.length === 0) return;
  if (deliveries.length === 1) {
    await INSERT_DELIVERY.execute(db, { ...row(deliveries[0] as NewDelivery), now });
    return;
  }
  await db
    .insertInto('webhook_deliveries')
    .values(
      deliveries.map((d) => ({
        ...row(d),
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

export function toDelivery(r: Selectable<WebhookDeliveryTable>): Delivery {
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
