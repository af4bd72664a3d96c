// Uploaded files, the user photo list and the sweep list. Flags are stored as 0/1, mapped here.
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';
import type { FileTable } from '../storage/schema-files.ts';

export interface StoredFile {
  projectId: string;
  id: string;
  purpose: FileTable['purpose'];
  roomId: string | null;
  ownerId: number;
  kind: FileTable['kind'];
  mediaType: string;
  fileName: string;
  size: number;
  width: number;
  height: number;
  caption: string;
  hasThumbnail: boolean;
  tokenHash: string;
  createdAt: number;
}

export async function insertFile(db: Kysely<DB>, f: StoredFile): Promise<void> {
  await db
    .insertInto('files')
    .values({
      project_id: f.projectId,
      id: f.id,
      purpose: f.purpose,
      room_id: f.roomId,
      owner_id: f.ownerId,
      kind: f.kind,
      media_type: f.mediaType,
      file_name: f.fileName,
      size: f.size,
      width: f.width,
      height: f.height,
      caption: f.caption,
      has_thumbnail: f.hasThumbnail ? 1 : 0,
      token_hash: f.tokenHash,
      created_at: f.createdAt,
    })
    .execute();
}

export async function findFile(db: Kysely<DB>, projectId: string, id: string): Promise<StoredFile | undefined> {
  const r = await db.selectFrom('files').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  if (r === undefined) return undefined;
  return {
    projectId: r.project_id,
    id: r.id,
    purpose: r.purpose,
    roomId: r.room_id,
    ownerId: Number(r.owner_id),
    kind: r.kind,
    mediaType: r.media_type,
    fileName: r.file_name,
    size: Number(r.size),
    width: r.width,
    height: r.height,
    caption: r.caption,
    hasThumbnail: r.has_thumbnail === 1,
    tokenHash: r.token_hash,
    createdAt: Number(r.created_at),
  };
}

// ---------------------------------------------------------------------------------------------
// The sweep list: keys that may hold bytes without a live row.

export async function addSweep(db: Kysely<DB>, projectId: string, fileId: string, at: number): Promise<void> {
  await db
    .insertInto('file_sweeps')
    .values({ project_id: projectId, file_id: fileId, created_at: at })
    .onConflict((oc) => oc.columns(['project_id', 'file_id']).doUpdateSet({ created_at: at }))
    .execute();
}

export async function removeSweep(db: Kysely<DB>, projectId: string, fileId: string): Promise<void> {
  await db.deleteFrom('file_sweeps').where('project_id', '=', projectId).where('file_id', '=', fileId).execute();
}

export async function sweepsBefore(db: Kysely<DB>, before: number, limit: number): Promise<Array<{ projectId: string; fileId: string }>> {
  const rows = await db
    .selectFrom('file_sweeps')
    .select(['project_id', 'file_id'])
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ projectId: r.project_id, fileId: r.file_id }));
}

export async function deleteFile(db: Kysely<DB>, projectId: string, id: string): Promise<void> {
  await db.deleteFrom('files').where('project_id', '=', projectId).where('id', '=', id).execute();
}

// ---------------------------------------------------------------------------------------------
// User photos

export interface UserPhoto {
  id: number;
  fileId: string;
  thumbnailURL: string;
  fullsizeURL: string;
  createdAt: number;
}

export async function insertUserPhoto(db: Kysely<DB>, projectId: string, userId: number, p: Omit<UserPhoto, 'id'>): Promise<number> {
  const row = await db
    .insertInto('user_photos')
    .values({ project_id: projectId, user_id: userId, file_id: p.fileId, thumbnail_url: p.thumbnailURL, fullsize_url: p.fullsizeURL, created_at: p.createdAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Newest first. */
export async function listUserPhotos(db: Kysely<DB>, projectId: string, userId: number): Promise<UserPhoto[]> {
  const rows = await db.selectFrom('user_photos').selectAll().where('project_id', '=', projectId).where('user_id', '=', userId).orderBy('id', 'desc').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    fileId: r.file_id,
    thumbnailURL: r.thumbnail_url,
    fullsizeURL: r.fullsize_url,
    createdAt: Number(r.created_at),
  }));
}

export async function deleteUserPhoto(db: Kysely<DB>, projectId: string, id: number): Promise<void> {
  await db.deleteFrom('user_photos').where('project_id', '=', projectId).where('id', '=', id).execute();
}
