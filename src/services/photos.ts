// Profile photos (client API user/photo/*) and group photos (room/photo/upload). A user's imageURL
// follows their main photo: an upload becomes the main one, set_main picks another, deleting the main
// one falls back to the newest left. A change reaches clients as any profile change does (caches
// dropped on every node, user.updated webhooks, a hidden user/update message to their peers); a group
// photo goes through the same path as room/update (the room/update system message, room.updated).
import type { Transaction } from 'kysely';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import type { ReceivedFile } from '../files/intake.ts';
import { addSweep, deleteFile, deleteUserPhoto, insertUserPhoto, listUserPhotos } from '../repos/files.ts';
import { updateRoom } from '../repos/rooms.ts';
import { findUserById, updatePhoto } from '../repos/users.ts';
import type { DB } from '../storage/schema.ts';
import { fileLink, saveFile } from './files.ts';
import { type ChatActor, roomState, userView } from './room-state.ts';
import { type RoomDetails, SYSTEM_MESSAGE, changeGroup, getRoom, nameOf } from './rooms.ts';
import { sendServerMessage } from './server-messages.ts';
import { tellPeers } from './server-users.ts';
import { announceUser } from './user-events.ts';
import { type ClientUser, toClientUser } from './user-view.ts';
import { subscribers } from './webhooks.ts';

/** What user/photo/get_list answers per photo (Android TapPhotosItemModel). */
export interface PhotoItem {
  id: number;
  thumbnailImageURL: string;
  fullsizeImageURL: string;
  createdTime: number;
}

type Hooks = Awaited<ReturnType<typeof subscribers>>;

/** Sets the user's picture inside `trx` and announces the user to `hooks`; then `told` spreads the news. */
async function setPicture(trx: Transaction<DB>, deps: Deps, hooks: Hooks, actor: ChatActor, urls: { thumbnail: string; fullsize: string } | null) {
  const now = deps.clock.now();
  await updatePhoto(trx, actor.projectId, actor.userId, urls, now);
  return announceUser(trx, deps, hooks, actor.projectId, actor.userId, now);
}

/** Read before a transaction opens (on SQLite a read outside it would wait for it). */
const userHooks = (deps: Deps, actor: ChatActor) => subscribers(deps, actor.projectId, 'user.updated');

async function told(deps: Deps, actor: ChatActor, user: ClientUser): Promise<{ user: ClientUser }> {
  deps.authCache.invalidate({ kind: 'user', project: actor.projectId, id: actor.userId });
  deps.chat.users.delete(`${actor.projectId}\0${actor.userId}`);
  await tellPeers(deps, actor.projectId, actor.userId, user.fullname);
  return { user };
}

/** user/photo/upload: a new photo, which becomes the main one. */
export async function uploadUserPhoto(deps: Deps, actor: ChatActor, received: ReceivedFile, base: string): Promise<{ user: ClientUser }> {
  let user: ClientUser | undefined;
  const hooks = await userHooks(deps, actor);
  await saveFile(
    deps,
    { projectId: actor.projectId, ownerId: actor.userId, purpose: 'user', roomId: null, caption: '', declared: 'image' },
    received,
    async (trx, file, token) => {
      const urls = { thumbnail: fileLink(base, file, token, true), fullsize: fileLink(base, file, token) };
      await insertUserPhoto(trx, actor.projectId, actor.userId, {
        fileId: file.id,
        thumbnailURL: urls.thumbnail,
        fullsizeURL: urls.fullsize,
        createdAt: file.createdAt,
      });
      user = await setPicture(trx, deps, hooks, actor, urls);
    },
  );
  return told(deps, actor, user as ClientUser);
}

/** user/photo/get_list: any user's photos (like their picture, visible to the project), newest first. */
export async function userPhotos(deps: Deps, actor: ChatActor, userId: number): Promise<{ photos: PhotoItem[] }> {
  await userView(deps, actor.projectId, userId);
  const photos = await listUserPhotos(deps.db, actor.projectId, userId);
  return { photos: photos.map((p) => ({ id: p.id, thumbnailImageURL: p.thumbnailURL, fullsizeImageURL: p.fullsizeURL, createdTime: p.createdAt })) };
}

async function ownPhoto(deps: Deps, actor: ChatActor, id: number) {
  const photo = (await listUserPhotos(deps.db, actor.projectId, actor.userId)).find((p) => p.id === id);
  if (photo === undefined) throw new ApiError('FileNotFound', { field: 'id', message: 'Photo not found' });
  return photo;
}

/** user/photo/set_main: one of the caller's photos becomes their picture. */
export async function setMainPhoto(deps: Deps, actor: ChatActor, id: number): Promise<{ user: ClientUser }> {
  const photo = await ownPhoto(deps, actor, id);
  const hooks = await userHooks(deps, actor);
  const user = await deps.db
    .transaction()
    .execute((trx) => setPicture(trx, deps, hooks, actor, { thumbnail: photo.thumbnailURL, fullsize: photo.fullsizeURL }));
  return told(deps, actor, user);
}

/** user/photo/delete: the photo and its bytes (swept); deleting the main one falls back to the newest left. */
export async function deletePhoto(deps: Deps, actor: ChatActor, id: number): Promise<{ user: ClientUser }> {
  const photo = await ownPhoto(deps, actor, id);
  // From the database, not the few-seconds cache: which photo is the main one decides what follows.
  const row = await findUserById(deps.db, actor.projectId, actor.userId);
  if (row === undefined) throw new ApiError('TokenUserNotFound');
  const me = toClientUser(row);
  const hooks = await userHooks(deps, actor);
  const user = await deps.db.transaction().execute(async (trx) => {
    await deleteUserPhoto(trx, actor.projectId, id);
    await deleteFile(trx, actor.projectId, photo.fileId);
    // Swept at once (created at 0): no row refers to the bytes any more.
    await addSweep(trx, actor.projectId, photo.fileId, 0);
    if (me.imageURL.fullsize !== photo.fullsizeURL) return undefined;
    const next = (await listUserPhotos(trx, actor.projectId, actor.userId))[0];
    return setPicture(trx, deps, hooks, actor, next === undefined ? null : { thumbnail: next.thumbnailURL, fullsize: next.fullsizeURL });
  });
  return user === undefined ? { user: me } : told(deps, actor, user);
}

/** room/photo/upload (group admins): the group's picture, announced like a rename. */
export async function uploadRoomPhoto(deps: Deps, actor: ChatActor, roomId: string, received: ReceivedFile, base: string): Promise<RoomDetails> {
  const { file, token } = await saveFile(
    deps,
    { projectId: actor.projectId, ownerId: actor.userId, purpose: 'room', roomId, caption: '', declared: 'image' },
    received,
  );
  const urls = { imageThumbnail: fileLink(base, file, token, true), imageFullsize: fileLink(base, file, token) };
  try {
    await changeGroup(deps, actor, roomId, true, (trx) => updateRoom(trx, actor.projectId, roomId, urls, deps.clock.now()));
  } catch (err) {
    // Refused after all (no longer an admin, the group deleted meanwhile): the file goes too.
    await deps.db.transaction().execute(async (trx) => {
      await deleteFile(trx, actor.projectId, file.id);
      await addSweep(trx, actor.projectId, file.id, 0);
    });
    throw err;
  }
  deps.chat.hub.roomChanged(actor.projectId, roomId);
  const text = `${await nameOf(deps, actor.projectId, actor.userId)} changed the group photo`;
  await sendServerMessage(deps, actor.projectId, roomId, actor.userId, { type: SYSTEM_MESSAGE, text, action: 'room/update' });
  return getRoom(deps, actor, roomId);
}

/** Before an upload is read: only a group's admins may change its picture. */
export async function assertGroupAdmin(deps: Deps, actor: ChatActor, roomId: string): Promise<void> {
  const state = await roomState(deps, actor.projectId, roomId);
  const me = state.members.find((m) => m.userId === actor.userId);
  if (me === undefined) throw new ApiError('PermissionDenied', { field: 'roomID', message: 'Not a participant of this room' });
  if (!me.isAdmin) throw new ApiError('PermissionDenied', { field: 'roomID', message: 'Only a group admin can do this' });
}
