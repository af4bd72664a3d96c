// room.created and room.updated webhook events: the room as it is at the end of the change's
// transaction (read through that transaction, so it sees the change), with its participants.
import type { Kysely } from 'kysely';
import { roomView } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import * as rooms from '../repos/rooms.ts';
import type { WebhookEndpoint } from '../repos/webhooks.ts';
import { findUsersByIds } from '../repos/users.ts';
import type { DB } from '../storage/schema.ts';
import { toClientUser } from './user-view.ts';
import { eventBody } from './webhook-payloads.ts';
import { announce } from './webhooks.ts';

export async function announceRoom(
  trx: Kysely<DB>,
  deps: Deps,
  to: WebhookEndpoint[],
  event: 'room.created' | 'room.updated',
  projectId: string,
  roomId: string,
): Promise<void> {
  if (to.length === 0) return;
  const room = await rooms.findRoom(trx, projectId, roomId);
  if (room === undefined) return;
  const members = await rooms.listMembers(trx, projectId, roomId);
  const users = await findUsersByIds(
    trx,
    projectId,
    members.map((m) => m.userId),
  );
  const admins = members.filter((m) => m.isAdmin).map((m) => String(m.userId));
  const data = { room: roomView(room, undefined, admins), participants: users.map(toClientUser) };
  await announce(trx, deps, to, { event, orderKey: `room:${roomId}`, payload: eventBody(event, deps.clock.now(), data) });
}
