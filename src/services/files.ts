// Uploaded files: stored (bytes to the store, then the row), downloaded by room participants, and
// served through capability links. A sweep row is written before any byte reaches the store and
// removed in the transaction that writes the file's row, so bytes never outlive a failed upload
// (docs/files.md). Links carry a 256-bit token of which only the SHA-256 is kept.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Transaction } from 'kysely';
import { ulid } from 'ulid';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { type FileKind, inspectFile } from '../files/inspect.ts';
import type { ReceivedFile } from '../files/intake.ts';
import { type StoredFile, addSweep, findFile, insertFile, removeSweep, sweepsBefore } from '../repos/files.ts';
import type { DB } from '../storage/schema.ts';
import { isStorableText } from '../validation.ts';
import { type ChatActor, roomOfMember } from './room-state.ts';
import { type Rounds, everyRound } from './rounds.ts';

/** What project_configs announces (chatMediaMaxFileSize, user/roomPhotoMaxFileSize). */
export const CHAT_FILE_MAX_BYTES = 25 * 1024 * 1024;
export const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
/** Bytes without a row are removed once this old. */
export const SWEEP_AGE_MS = 3_600_000;

export const storeKey = (projectId: string, fileId: string, thumbnail = false) => `${projectId}/${fileId}${thumbnail ? '.thumb' : ''}`;
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The link to a file (or its thumbnail); `base` is PARLEY_PUBLIC_URL or the request's origin. */
export function fileLink(base: string, file: Pick<StoredFile, 'projectId' | 'id' | 'kind'>, token: string, thumbnail = false): string {
  const path = `/v1/public/${encodeURIComponent(file.projectId)}/chat/file/${file.kind}/${file.id}`;
  return `${base}${path}?token=${token}${thumbnail ? '&size=thumbnail' : ''}`;
}

/** The client's file name, for display only: no control characters, text PostgreSQL can hold, 255 at most. */
function displayName(name: string): string {
  const printable = [...name].filter((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code >= 0x20 && code !== 0x7f;
  });
  const clean = printable.join('').slice(0, 255);
  return isStorableText(clean) ? clean : '';
}

export interface SavedFile {
  file: StoredFile;
  token: string;
  thumbnail: Buffer | undefined;
}

const storeDown = (err: unknown, deps: Deps) => {
  deps.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'file store unavailable');
  return new ApiError('ServiceUnavailable', { message: 'File store unavailable', retryAfter: 5 });
};

/**
 * Inspects and keeps an upload: the bytes (and thumbnail) into the store, then in one transaction the
 * file's row and whatever `alsoInTransaction` writes with it (a photo list entry, a room's picture).
 */
export async function saveFile(
  deps: Deps,
  input: { projectId: string; ownerId: number; purpose: StoredFile['purpose']; roomId: string | null; caption: string; declared: FileKind },
  received: ReceivedFile,
  alsoInTransaction?: (trx: Transaction<DB>, file: StoredFile, token: string) => Promise<void>,
): Promise<SavedFile> {
  const seen = await inspectFile(received.path, input.declared);
  const token = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const file: StoredFile = {
    projectId: input.projectId,
    id: ulid().toLowerCase(),
    purpose: input.purpose,
    roomId: input.roomId,
    ownerId: input.ownerId,
    kind: seen.kind,
    mediaType: seen.mediaType,
    fileName: displayName(received.fileName),
    size: received.size,
    width: seen.width,
    height: seen.height,
    caption: input.caption,
    hasThumbnail: seen.thumbnail !== undefined,
    tokenHash: hashToken(token),
    createdAt: now,
  };
  await addSweep(deps.db, file.projectId, file.id, now);
  const { store } = deps.files;
  try {
    await store.put(storeKey(file.projectId, file.id), createReadStream(received.path), received.size);
    if (seen.thumbnail !== undefined) {
      await store.put(storeKey(file.projectId, file.id, true), Readable.from([seen.thumbnail]), seen.thumbnail.length);
    }
  } catch (err) {
    await forget(deps, file).catch(() => {}); // the sweep row stays when this fails too: swept later
    throw storeDown(err, deps);
  }
  try {
    await deps.db.transaction().execute(async (trx) => {
      await insertFile(trx, file);
      await removeSweep(trx, file.projectId, file.id);
      await alsoInTransaction?.(trx, file, token);
    });
  } catch (err) {
    // A commit whose answer was lost may still have written the row: its bytes stay then. When the
    // database cannot say, nothing is removed here: an uncommitted upload left its sweep row.
    const written = await findFile(deps.db, file.projectId, file.id).then(
      (row) => row !== undefined,
      () => true,
    );
    if (!written) await forget(deps, file).catch(() => {});
    throw err;
  }
  return { file, token, thumbnail: seen.thumbnail };
}

/** Removes a file's bytes, then its sweep row. */
async function forget(deps: Deps, file: { projectId: string; id: string }): Promise<void> {
  await deps.files.store.delete(storeKey(file.projectId, file.id));
  await deps.files.store.delete(storeKey(file.projectId, file.id, true));
  await removeSweep(deps.db, file.projectId, file.id);
}

/** Removes the bytes of files whose upload died or which were deleted, once `SWEEP_AGE_MS` old. */
export async function sweepFiles(deps: Deps, limit = 500): Promise<number> {
  const due = await sweepsBefore(deps.db, deps.clock.now() - SWEEP_AGE_MS, limit);
  for (const f of due) {
    // A row written since (the upload finished after all) keeps its bytes.
    if ((await findFile(deps.db, f.projectId, f.fileId)) !== undefined) await removeSweep(deps.db, f.projectId, f.fileId);
    else await forget(deps, { projectId: f.projectId, id: f.fileId });
  }
  return due.length;
}

/** Sweeps every few minutes while the process serves. */
export function startFileSweeper(deps: Deps, everyMs = 600_000): Rounds {
  return everyRound(deps.logger, 'file sweep', everyMs, () => sweepFiles(deps));
}

export interface FileBytes {
  file: StoredFile;
  body: Readable;
  size: number | undefined;
}

async function open(deps: Deps, file: StoredFile, thumbnail: boolean): Promise<FileBytes> {
  let body: Readable | undefined;
  try {
    body = await deps.files.store.get(storeKey(file.projectId, file.id, thumbnail));
  } catch (err) {
    throw storeDown(err, deps);
  }
  if (body === undefined) throw new ApiError('FileNotFound', { field: 'fileID' });
  return { file, body, size: thumbnail ? undefined : file.size };
}

/** chat/file/download: participants of the file's room only; a file of another room is not found. */
export async function downloadChatFile(deps: Deps, actor: ChatActor, roomId: string, fileId: string): Promise<FileBytes> {
  await roomOfMember(deps, actor, roomId);
  const file = await findFile(deps.db, actor.projectId, fileId);
  if (file === undefined || file.purpose !== 'chat' || file.roomId !== roomId) throw new ApiError('FileNotFound', { field: 'fileID' });
  return open(deps, file, false);
}

const NO_HASH = Buffer.alloc(32);

/** A link's file: the token must hash to the stored hash (compared in constant time), the kind match. */
export async function linkedFile(deps: Deps, link: { projectId: string; kind: string; fileId: string; token: string }, thumbnail: boolean): Promise<FileBytes> {
  const { projectId, fileId, token } = link;
  const file = /^[0-9a-z]{26}$/.test(fileId) ? await findFile(deps.db, projectId, fileId) : undefined;
  const expected = file === undefined ? NO_HASH : Buffer.from(file.tokenHash, 'hex');
  const given = createHash('sha256').update(token).digest();
  const same = timingSafeEqual(given, expected);
  if (file === undefined || !same || file.kind !== link.kind || (thumbnail && !file.hasThumbnail)) throw new ApiError('FileNotFound');
  return open(deps, file, thumbnail);
}
