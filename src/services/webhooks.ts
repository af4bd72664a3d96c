// Webhooks: a project's endpoints, and the events announced to them. An event is written to the outbox
// (webhook_deliveries) in the same transaction as the change it announces, one row per subscribed
// endpoint, so nothing acknowledged goes unannounced and nothing is announced that did not commit.
// Delivery: webhooks/dispatcher.ts. Event names and payloads: docs/webhooks.md.
import type { Kysely } from 'kysely';
import { newId } from '../credentials.ts';
import type { Deps } from '../deps.ts';
import { OperatorError } from '../errors.ts';
import * as repo from '../repos/webhooks.ts';
import type { WebhookEndpoint } from '../repos/webhooks.ts';
import type { DB } from '../storage/schema.ts';
import { urlProblem } from '../webhooks/address-guard.ts';
import { newWebhookSecret } from '../webhooks/send.ts';

export const WEBHOOK_EVENTS = [
  'message.sent',
  'message.updated',
  'message.deleted',
  'room.created',
  'room.updated',
  'user.updated',
  'case.resolved',
  'case.created',
  'case.assigned',
  'case.updated',
  'case.reopened',
  'case.rated',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface CreatedEndpoint {
  id: string;
  projectId: string;
  url: string;
  events: string[];
  /** Shown once: only its encrypted form is kept. */
  secret: string;
}

export async function createEndpoint(deps: Deps, projectId: string, url: string, events: readonly string[] | undefined): Promise<CreatedEndpoint> {
  const problem = urlProblem(url, deps.webhooks.allowPrivate);
  if (problem !== undefined) throw new OperatorError(`the URL ${problem}`);
  const unknown = (events ?? []).filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown.length > 0) throw new OperatorError(`unknown event ${unknown.join(', ')} (known: ${WEBHOOK_EVENTS.join(', ')})`);
  const secret = newWebhookSecret();
  const endpoint: WebhookEndpoint = {
    id: newId('webhookEndpoint'),
    projectId,
    url,
    events: events === undefined || events.length === 0 ? [...WEBHOOK_EVENTS] : [...new Set(events)],
    secretWrapped: deps.webhooks.box.seal(secret),
    createdAt: deps.clock.now(),
  };
  await repo.insertEndpoint(deps.db, endpoint);
  deps.authCache.invalidate({ kind: 'webhooks', project: projectId });
  return { id: endpoint.id, projectId, url, events: endpoint.events, secret };
}

export async function deleteEndpoint(deps: Deps, id: string): Promise<void> {
  const projectId = await repo.deleteEndpoint(deps.db, id, deps.clock.now());
  if (projectId === undefined) throw new OperatorError(`no webhook endpoint with id ${id}`);
  deps.authCache.invalidate({ kind: 'webhooks', project: projectId });
}

/** The endpoints of a project subscribed to `event` (cached a few seconds; changes drop the cache on every node). */
export async function subscribers(deps: Deps, projectId: string, event: WebhookEvent, db: Kysely<DB> = deps.db): Promise<WebhookEndpoint[]> {
  const cached = cachedSubscribers(deps, projectId, event);
  if (cached !== undefined) return cached;
  // Inside a transaction, `db` is it (on SQLite the transaction holds the one connection).
  const endpoints = await repo.listEndpoints(db, projectId);
  deps.webhooks.endpoints.set(projectId, endpoints);
  return endpoints.filter((e) => e.events.includes(event));
}

/** subscribers without waiting, when the project's endpoints are cached; undefined otherwise. */
export function cachedSubscribers(deps: Deps, projectId: string, event: WebhookEvent): WebhookEndpoint[] | undefined {
  return deps.webhooks.endpoints.get(projectId)?.filter((e) => e.events.includes(event));
}

export interface Announcement {
  event: WebhookEvent;
  /** Deliveries with the same key reach each endpoint in the order they were written (a room, a user). */
  orderKey: string;
  /** The JSON body, or a snapshot the dispatcher renders (webhook-payloads.ts). */
  payload: unknown;
}

/**
 * Writes the announcement for every endpoint in `to` (found with `subscribers` before the transaction
 * began), inside the transaction `trx` of the change. Nothing is written when nobody listens.
 */
export async function announce(trx: Kysely<DB>, deps: Deps, to: WebhookEndpoint[], a: Announcement): Promise<void> {
  if (to.length === 0) return;
  // A room's event goes out after the room's messages: those still in the messages table only
  // (SQLite: services/message-announcements.ts) get their deliveries first, in this transaction.
  if (a.orderKey.startsWith('room:')) await deps.webhooks.announceStoredMessages?.(trx);
  const messageId = newId('webhookMessage');
  const payload = JSON.stringify(a.payload);
  await repo.insertDeliveries(
    trx,
    to.map((e) => ({ endpointId: e.id, projectId: e.projectId, messageId, event: a.event, orderKey: a.orderKey, payload })),
    deps.clock.now(),
  );
  // After this transaction commits, this node's dispatcher looks at once.
  setImmediate(() => deps.webhooks.wake());
}

/** Checks an event list given on the command line. */
export function parseEvents(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const events = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (events.length === 0) throw new OperatorError('--events names no event');
  return events;
}
