// Delivery: the frames of an event for each recipient (personal rooms are named per viewer), and the
// hub's callbacks: refilling what a node missed, presence and typing.
import type { Target } from '../chat/notes.ts';
import { type Encoded, ROOM_PERSONAL, type RoomView, eventFrame, messageFrames, personalRoomUsers, roomView } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import * as messages from '../repos/messages.ts';
import type { StoredMessage } from '../repos/messages.ts';
import * as rooms from '../repos/rooms.ts';
import { type ChatActor, type RoomState, cachedUserViews, roomOfMember, roomState, userView, userViews } from './room-state.ts';
import { type ClientUser, unknownUser } from './user-view.ts';

/** The user a personal room is named after for `viewer`: the other participant (the viewer itself in `me-me`). */
function namedAfter(state: RoomState, pair: [number, number], users: Map<number, ClientUser>, viewer: number): ClientUser {
  const other = viewer === pair[0] ? pair[1] : pair[0];
  return users.get(other) ?? unknownUser(other, state.room.projectId);
}

/** The room as a viewer sees it: a personal room named after `other`, any other room with its admins. */
function viewerRoom(state: RoomState, other: ClientUser | undefined): RoomView {
  const admins = other === undefined ? state.members.filter((m) => m.isAdmin).map((m) => String(m.userId)) : [];
  return roomView(state.room, other, admins);
}

/** The room as each member sees it (personal rooms are named after the other participant). */
export async function roomViewsFor(deps: Deps, state: RoomState, viewers: number[]): Promise<Map<number, RoomView>> {
  const views = new Map<number, RoomView>();
  if (state.room.type === ROOM_PERSONAL) {
    const pair = personalRoomUsers(state.room.id) as [number, number];
    const users = await userViews(deps, state.room.projectId, pair);
    for (const viewer of viewers) views.set(viewer, viewerRoom(state, namedAfter(state, pair, users, viewer)));
  } else {
    const view = viewerRoom(state, undefined);
    for (const viewer of viewers) views.set(viewer, view);
  }
  return views;
}

/**
 * The JSON of the room as each viewer sees it, kept with the cached room state (a new state, after any
 * change to the room, starts afresh) while the user a personal room is named after is the same cached
 * view: a message's frames serialise only the message.
 */
const roomTexts = new WeakMap<RoomState, Map<number, { other: ClientUser | undefined; json: Encoded }>>();

function roomJson(state: RoomState, viewer: number, other: ClientUser | undefined): Encoded {
  let perViewer = roomTexts.get(state);
  if (perViewer === undefined) {
    perViewer = new Map();
    roomTexts.set(state, perViewer);
  }
  const known = perViewer.get(viewer);
  if (known !== undefined && known.other === other) return known.json;
  const text = JSON.stringify(viewerRoom(state, other));
  const json = { text, bytes: Buffer.from(text) };
  perViewer.set(viewer, { other, json });
  return json;
}

/** Frames of one event about `m` for `users` (default: every member of its room). */
export async function targetsFor(deps: Deps, state: RoomState, m: StoredMessage, eventName: string, users?: number[]): Promise<Target[]> {
  const named = namedUsers(state, m);
  const views = cachedUserViews(deps, state.room.projectId, named) ?? (await userViews(deps, state.room.projectId, named));
  return framesFor(state, m, eventName, users, named, views);
}

/** targetsFor without waiting, when every user its frames name is cached; undefined otherwise. */
export function cachedTargetsFor(deps: Deps, state: RoomState, m: StoredMessage, eventName: string, users?: number[]): Target[] | undefined {
  const named = namedUsers(state, m);
  const views = cachedUserViews(deps, state.room.projectId, named);
  return views === undefined ? undefined : framesFor(state, m, eventName, users, named, views);
}

/** The users a message's frames name: its sender, then in a personal room the two it is named after (usually the same two). */
function namedUsers(state: RoomState, m: StoredMessage): number[] {
  if (state.room.type !== ROOM_PERSONAL) return [m.senderId];
  const [a, b] = personalRoomUsers(state.room.id) as [number, number];
  return [m.senderId, a, b];
}

/** The frames, given the users named (namedUsers) and their views. */
function framesFor(
  state: RoomState,
  m: StoredMessage,
  eventName: string,
  users: number[] | undefined,
  named: number[],
  views: Map<number, ClientUser>,
): Target[] {
  const recipients = users ?? state.members.map((member) => member.userId);
  if (recipients.length === 0) return [];
  const sender = views.get(m.senderId) ?? unknownUser(m.senderId, state.room.projectId);
  if (state.room.type !== ROOM_PERSONAL) {
    const [frame] = messageFrames(eventName, m, sender, [roomJson(state, 0, undefined)]) as [Encoded];
    return [{ users: recipients, frame: frame.text, bytes: frame.bytes }];
  }
  const pair = [named[1], named[2]] as [number, number];
  const frames = messageFrames(
    eventName,
    m,
    sender,
    recipients.map((viewer) => roomJson(state, viewer, namedAfter(state, pair, views, viewer))),
  );
  return recipients.map((userId, i) => {
    const { text, bytes } = frames[i] as Encoded;
    return { users: [userId], frame: text, bytes };
  });
}

// ---------------------------------------------------------------------------------------------
// Hub callbacks

/**
 * The frames of a room's events between two it delivered (times exclusive), for a node that missed
 * them: a message created in the gap is new to its clients; one changed in it is an update.
 */
export async function refillTargets(deps: Deps, projectId: string, roomId: string, after: number, before: number): Promise<Target[]> {
  const missed = await messages.listChangedBetween(deps.db, projectId, roomId, after, before);
  if (missed.length === 0) return [];
  const state = await roomState(deps, projectId, roomId);
  const targets: Target[] = [];
  for (const m of missed) targets.push(...(await targetsFor(deps, state, m, m.created > after ? 'chat/sendMessage' : 'chat/updateMessage')));
  return targets;
}

/** user/status to everyone who shares a room with the user. */
export async function announcePresence(deps: Deps, projectId: string, userId: number, online: boolean): Promise<void> {
  const peers = await rooms.roomPeersOfUser(deps.db, projectId, userId);
  if (peers.length === 0) return;
  const user = await userView(deps, projectId, userId);
  const frame = eventFrame('user/status', { user, isOnline: online, lastActive: deps.clock.now() });
  deps.chat.hub.ephemeral(projectId, [{ users: peers, frame }]);
}

/** chat/startTyping and chat/stopTyping: forwarded to the other participants. */
export async function forwardTyping(deps: Deps, actor: ChatActor, sender: ClientUser, eventName: string, roomId: string): Promise<void> {
  const state = await roomOfMember(deps, actor, roomId);
  const others = state.members.map((m) => m.userId).filter((id) => id !== actor.userId);
  if (others.length === 0) return;
  deps.chat.hub.ephemeral(actor.projectId, [{ users: others, frame: eventFrame(eventName, { roomID: roomId, user: sender }) }]);
}
