// Room state the user changed, told to every device of the user on every node (the Android SDK keeps
// its lists in step from these events; the web SDK acts on room/clearChat).
import { eventFrame } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { roomViewsFor } from './delivery.ts';
import type { ChatActor, RoomState } from './room-state.ts';

export type RoomUserEvent = 'room/mute' | 'room/unmute' | 'room/pin' | 'room/unpin' | 'room/markAsRead' | 'room/markAsUnread' | 'room/clearChat';

/** `{room, …extra}` as `eventName` to the actor's own sockets. */
export async function tellOwnDevices(
  deps: Deps,
  actor: ChatActor,
  state: RoomState,
  eventName: RoomUserEvent,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const room = (await roomViewsFor(deps, state, [actor.userId])).get(actor.userId);
  deps.chat.hub.ephemeral(actor.projectId, [{ users: [actor.userId], frame: eventFrame(eventName, { room, ...extra }) }]);
}
