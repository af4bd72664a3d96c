// Sending scheduled messages (docs/people.md). Every serving process runs the loop; a due row is
// claimed in a transaction (PostgreSQL: FOR UPDATE SKIP LOCKED, so nodes take different rows), and in
// that same transaction its message is stored as the room's next event and the row marked stored: a
// message is stored exactly once, whichever node dies when. Delivery follows the commit, through the
// hub like any message, and the row goes once the broker took the delivery's notes. A row still there
// a lease after its message was stored lost its delivery with its node, or the broker never took it:
// another node delivers it again (the SDKs keep one copy per localID, so a second delivery shows
// nothing twice).
import type { Target } from '../chat/notes.ts';
import { eventFrame } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { findMessagesByIds } from '../repos/messages.ts';
import type { RoomEvent } from '../repos/rooms.ts';
import * as scheduled from '../repos/scheduled-messages.ts';
import type { Scheduled } from '../repos/scheduled-messages.ts';
import type { StoredMessage } from '../repos/messages.ts';
import { refuseBlockedSender } from './blocks.ts';
import { roomViewsFor, targetsFor } from './delivery.ts';
import { storeClientMessage } from './messages.ts';
import { subscribers } from './webhooks.ts';
import type { WebhookEndpoint } from '../repos/webhooks.ts';
import { type ChatActor, type RoomState, roomStateIfExists } from './room-state.ts';
import { type Rounds, everyRound } from './rounds.ts';

/** Rows claimed per transaction. */
const BATCH = 100;
/** How long a stored message may wait for its delivery before another node delivers it again. */
export const DELIVERY_LEASE_MS = 15_000;

interface Stored {
  row: Scheduled;
  state: RoomState;
  stored: StoredMessage;
  event: RoomEvent;
  replay: boolean;
}

/** The frames of a scheduled message's delivery: as any new message's, marked `isScheduled` (the web SDK passes it to its listeners). */
function scheduledTargets(targets: Target[]): Target[] {
  return targets.map((t) => ({ users: t.users, frame: `${t.frame.slice(0, -1)},"isScheduled":true}` }));
}

/** room/scheduleMessage to the sender's devices: their list of scheduled messages in the room changed. */
export async function announceSchedule(deps: Deps, actor: ChatActor, state: RoomState): Promise<void> {
  const room = (await roomViewsFor(deps, state, [actor.userId])).get(actor.userId);
  deps.chat.hub.ephemeral(actor.projectId, [{ users: [actor.userId], frame: eventFrame('room/scheduleMessage', { room, timestamp: deps.clock.now() }) }]);
}

/** Why a row can no longer be sent (its sender left the room, was blocked, or the room locked since), or undefined. */
function undeliverable(state: RoomState | undefined, actor: ChatActor): string | undefined {
  if (state === undefined) return 'the room is gone';
  if (!state.members.some((m) => m.userId === actor.userId)) return 'the sender is no longer in the room';
  if (state.room.isLocked) return 'the room is locked';
  try {
    refuseBlockedSender(state, actor);
  } catch {
    return 'the recipient blocked the sender';
  }
  return undefined;
}

/**
 * Stores the messages of those `candidates` still pending and not held by another node, each as its
 * room's next event, and marks their rows, in one transaction. Rows that can no longer be sent are
 * dropped in it. Returns what was stored, to be delivered.
 */
export async function storeScheduled(deps: Deps, candidates: Scheduled[]): Promise<Stored[]> {
  if (candidates.length === 0) return [];
  // Read before the transaction: on SQLite the transaction holds the one connection.
  const states = new Map<string, RoomState | undefined>();
  for (const row of candidates) {
    const key = `${row.projectId}\0${row.roomId}`;
    if (!states.has(key)) states.set(key, await roomStateIfExists(deps, row.projectId, row.roomId));
  }
  const hooks = new Map<string, WebhookEndpoint[]>();
  for (const row of candidates) if (!hooks.has(row.projectId)) hooks.set(row.projectId, await subscribers(deps, row.projectId, 'message.sent'));
  const now = deps.clock.now();
  const dropped: Array<{ id: number; reason: string }> = [];
  const stored = await deps.db.transaction().execute(async (trx) => {
    const out: Stored[] = [];
    const claimed = await scheduled.claimPending(
      trx,
      deps.dialect,
      candidates.map((r) => r.id),
    );
    for (const row of claimed) {
      const actor = { projectId: row.projectId, userId: row.senderId };
      const state = states.get(`${row.projectId}\0${row.roomId}`);
      const reason = undeliverable(state, actor);
      if (state === undefined || reason !== undefined) {
        dropped.push({ id: row.id, reason: reason ?? '' });
        await scheduled.deleteScheduled(trx, [row.id]);
        continue;
      }
      try {
        const input = { roomID: row.roomId, ...row.content };
        const outcome = await storeClientMessage(trx, { deps, hooks: hooks.get(row.projectId) ?? [], actor, state, input, now });
        await scheduled.markStored(trx, row.id, outcome.stored.id, now);
        out.push({ row, state, ...outcome });
      } catch (err) {
        // A refusal of the message itself (no statement failed): drop this row, keep the others.
        if (!(err instanceof ApiError)) throw err;
        dropped.push({ id: row.id, reason: err.message });
        await scheduled.deleteScheduled(trx, [row.id]);
      }
    }
    return out;
  });
  for (const d of dropped) deps.logger.info({ scheduledMessage: d.id, reason: d.reason }, 'scheduled message dropped');
  deps.metrics.messages.inc({ event: 'scheduled' }, stored.filter((s) => !s.replay).length);
  return stored;
}

/**
 * Deletes the rows of messages just delivered once the broker took their notes. Until then they are
 * not delivered on the other nodes: kept, the rows are delivered again after the lease.
 */
async function delivered(deps: Deps, mark: number, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  if (!(await deps.chat.hub.sentSince(mark))) {
    deps.logger.warn({ scheduledMessages: ids.length }, 'scheduled messages not confirmed by the broker: delivered again after the lease');
    return;
  }
  await scheduled.deleteScheduled(deps.db, ids);
}

/** Delivers what storeScheduled stored, then deletes the rows: done. */
export async function deliverScheduled(deps: Deps, stored: Stored[]): Promise<void> {
  const mark = deps.chat.hub.mark();
  for (const { row, state, stored: m, event, replay } of stored) {
    // A replay (the localID was sent by hand first) still took an event number: announce it, empty.
    const targets = replay ? [] : scheduledTargets(await targetsFor(deps, state, m, 'chat/sendMessage'));
    deps.chat.hub.roomEvent(row.projectId, row.roomId, event, targets);
    await announceSchedule(deps, { projectId: row.projectId, userId: row.senderId }, state);
  }
  await delivered(
    deps,
    mark,
    stored.map((s) => s.row.id),
  );
}

/** Delivers again the messages whose rows outlived the lease (their node died before delivering). */
async function deliverAgain(deps: Deps): Promise<void> {
  const now = deps.clock.now();
  const before = now - DELIVERY_LEASE_MS;
  const ids = await scheduled.findUndelivered(deps.db, before, BATCH);
  if (ids.length === 0) return;
  const rows = await deps.db.transaction().execute((trx) => scheduled.claimUndelivered(trx, deps.dialect, ids, before, now));
  const mark = deps.chat.hub.mark();
  for (const row of rows) {
    const [m] = await findMessagesByIds(deps.db, row.projectId, [row.messageId as number]);
    const state = await roomStateIfExists(deps, row.projectId, row.roomId);
    // An ephemeral delivery: the room's event number was announced (or refilled) long ago.
    if (m !== undefined && state !== undefined) deps.chat.hub.ephemeral(row.projectId, scheduledTargets(await targetsFor(deps, state, m, 'chat/sendMessage')));
  }
  await delivered(
    deps,
    mark,
    rows.map((r) => r.id),
  );
}

/** One round: every due row (in batches), then the deliveries a dead node left. Returns how many were stored. */
export async function runScheduler(deps: Deps): Promise<number> {
  let total = 0;
  for (;;) {
    const due = await scheduled.findDue(deps.db, deps.clock.now(), BATCH);
    const stored = await storeScheduled(deps, due);
    await deliverScheduled(deps, stored);
    total += stored.length;
    // A short batch was all that was due (rows other nodes hold come back as not pending next time).
    if (due.length < BATCH || stored.length === 0) break;
  }
  await deliverAgain(deps);
  return total;
}

/** Runs a round every `intervalMs` (counted from the end of the last) until stopped; 0: never. */
export function startScheduler(deps: Deps, intervalMs: number): Rounds {
  return everyRound(deps.logger, 'scheduled messages', intervalMs, () => runScheduler(deps));
}
