// `message.sent` on SQLite: the message is its own outbox entry. Storing a message writes no delivery
// row (a second insert with two indexes in every message's commit cost the chat about a third of its
// throughput with a webhook subscribed); the dispatcher reads the messages past a cursor and writes
// their deliveries, many in one transaction, when it has time (webhooks/dispatcher.ts). A message
// committed is announced once the dispatcher gets to it, crash or not: the cursor moves in the same
// transaction as the deliveries it covers. PostgreSQL announces in the message's transaction
// (services/webhooks.ts `announce`): its ids can commit out of order, which a cursor would skip.
import type { Kysely } from 'kysely';
import { newId } from '../credentials.ts';
import type { Deps } from '../deps.ts';
import { anyMessageListener, messagesAfter, moveCursor, readCursor, skipToNewest } from '../repos/message-cursor.ts';
import type { DB } from '../storage/schema.ts';
import { messageReference } from './webhook-payloads.ts';
import { type NewDelivery, type WebhookEndpoint, insertDeliveries } from '../repos/webhooks.ts';
import { announce, subscribers } from './webhooks.ts';

/** Whether new messages are announced from the messages table (SQLite) rather than in their transaction. */
export const announcesFromTable = (deps: Pick<Deps, 'dialect'>) => deps.dialect === 'sqlite';

/**
 * Announces the new message `id` to `hooks` (its project's `message.sent` endpoints): in `trx` on
 * PostgreSQL; on SQLite the dispatcher will, and is woken once this transaction has committed.
 */
export async function announceNewMessage(
  trx: Kysely<DB>,
  deps: Deps,
  hooks: WebhookEndpoint[],
  message: { projectId: string; roomId: string; id: number },
): Promise<void> {
  if (announcesFromTable(deps)) wakeAnnouncer(deps, hooks);
  else await announce(trx, deps, hooks, { event: 'message.sent', orderKey: `room:${message.roomId}`, payload: messageReference(message) });
}

/** Where messages are announced from their table: the dispatcher, when someone listens, woken once the transaction has committed. */
export function wakeAnnouncer(deps: Deps, hooks: WebhookEndpoint[]): void {
  if (hooks.length > 0) setImmediate(() => deps.webhooks.wake());
}

/**
 * Writes the deliveries of up to `limit` messages past the cursor and moves it, in `trx`. An endpoint
 * hears the messages stored from its creation on. Returns how many messages it read.
 */
export async function writeMessageDeliveries(trx: Kysely<DB>, deps: Deps, limit: number): Promise<number> {
  const found = await messagesAfter(trx, await readCursor(trx), limit);
  const last = found.at(-1);
  if (last === undefined) return 0;
  const deliveries: NewDelivery[] = [];
  for (const m of found) {
    const to = (await subscribers(deps, m.projectId, 'message.sent', trx)).filter((e) => e.createdAt <= m.createdAt);
    if (to.length === 0) continue;
    const messageId = newId('webhookMessage');
    const payload = JSON.stringify(messageReference(m));
    for (const e of to) deliveries.push({ endpointId: e.id, projectId: m.projectId, messageId, event: 'message.sent', orderKey: `room:${m.roomId}`, payload });
  }
  // A multi-row insert per 1,000 rows keeps far below SQLite's limit on bound values.
  for (let i = 0; i < deliveries.length; i += 1000) await insertDeliveries(trx, deliveries.slice(i, i + 1000), deps.clock.now());
  await moveCursor(trx, last.id);
  return found.length;
}

/**
 * `writeMessageDeliveries` in a transaction of its own: the dispatcher's step before each claim. While
 * no endpoint anywhere hears `message.sent`, the cursor just moves past every message (0 read).
 */
export async function announceStoredMessages(deps: Deps, limit: number): Promise<number> {
  // One transaction: an endpoint created between the look and the skip would miss messages.
  return deps.db.transaction().execute(async (trx) => {
    if (await anyMessageListener(trx)) return writeMessageDeliveries(trx, deps, limit);
    await skipToNewest(trx);
    return 0;
  });
}
