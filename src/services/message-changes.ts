// A change of a stored message, stored as its room's next event (sequence number and time).
import type { Kysely } from 'kysely';
import { ApiError } from '../errors.ts';
import * as messages from '../repos/messages.ts';
import type { MessageChange, StoredMessage } from '../repos/messages.ts';
import * as rooms from '../repos/rooms.ts';
import type { RoomEvent } from '../repos/rooms.ts';
import type { DB } from '../storage/schema.ts';

/** A stored message with the room event that last changed it. */
export interface Changed {
  message: StoredMessage;
  event: RoomEvent;
}

/** Stores a change as the room's next event. Runs inside a (possibly shared) transaction. */
export async function storeChange(trx: Kysely<DB>, m: StoredMessage, change: MessageChange, now: number): Promise<Changed> {
  const event = await rooms.nextRoomEvent(trx, m.projectId, m.roomId, now);
  if (event === undefined) throw new ApiError('RoomNotFound', { field: 'roomID' });
  // The message as stored, not `m` with the change: a change committed since `m` was read (a "read"
  // racing this "delivered") must not be announced as undone.
  const stored = await messages.updateMessage(trx, m.id, change, event.at);
  return { message: stored ?? { ...m, ...change, updated: event.at }, event };
}
