import type { Kysely } from 'kysely';
import { phoneKey } from '../phone.ts';
import { Precompiled } from '../storage/precompiled.ts';
import type { DB, UserRow } from '../storage/schema.ts';

/** A PowerTalk chat user as services see it. */
export interface User {
  id: number;
  projectId: string;
  xcUserID: string;
  fullname: string;
  email: string | null;
  phone: string | null;
  username: string | null;
  photoThumbnailURL: string | null;
  photoFullsizeURL: string | null;
  userRoleCode: string | null;
  bio: string | null;
  lastLoginAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export function toUser(r: UserRow): User {
  return {
    id: Number(r.id),
    projectId: r.project_id,
    xcUserID: r.xc_user_id,
    fullname: r.fullname,
    email: r.email,
    phone: r.phone,
    username: r.username,
    photoThumbnailURL: r.photo_thumbnail_url,
    photoFullsizeURL: r.photo_fullsize_url,
    userRoleCode: r.user_role_code,
    bio: r.bio,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface UserProfile {
  xcUserID: string;
  fullname: string;
  email?: string | undefined;
  phone?: string | undefined;
  username?: string | undefined;
  photoThumbnailURL?: string | undefined;
  photoFullsizeURL?: string | undefined;
  userRoleCode?: string | undefined;
}

export interface UserDevice {
  ipAddress: string;
  userAgent: string;
  platform: string;
  deviceID: string;
}

const PROFILE_COLUMNS = [
  'id',
  'fullname',
  'email',
  'phone',
  'username',
  'phone_key',
  'photo_thumbnail_url',
  'photo_fullsize_url',
  'user_role_code',
  'last_ip_address',
  'last_user_agent',
  'last_platform',
  'last_device_id',
] as const;

export type StoredProfile = Pick<UserRow, (typeof PROFILE_COLUMNS)[number]>;

// Read on every ticket request: compiled once (storage/precompiled.ts).
const FIND_USER_PROFILE = new Precompiled<'projectId' | 'xcUserID', StoredProfile>((db, slot) =>
  db.selectFrom('users').select(PROFILE_COLUMNS).where('project_id', '=', slot('projectId')).where('xc_user_id', '=', slot('xcUserID')),
);

export async function findUserProfile(db: Kysely<DB>, projectId: string, xcUserID: string): Promise<StoredProfile | undefined> {
  const { rows } = await FIND_USER_PROFILE.execute(db, { projectId, xcUserID });
  return rows[0];
}

/** A user's key by project and xcUserID (the profile cache's, and a batch's per-user key). */
export const userKey = (projectId: string, xcUserID: string): string => `${projectId}\0${xcUserID}`;

/** Many users' profiles in one read (PostgreSQL: a turn's ticket requests, repos/session-batches.ts), in the keys' order. */
export async function findUserProfiles(db: Kysely<DB>, keys: Array<{ projectId: string; xcUserID: string }>): Promise<Array<StoredProfile | undefined>> {
  const rows = await db
    .selectFrom('users')
    .select([...PROFILE_COLUMNS, 'project_id', 'xc_user_id'])
    .where((eb) =>
      eb(
        eb.refTuple('project_id', 'xc_user_id'),
        'in',
        keys.map((k) => eb.tuple(k.projectId, k.xcUserID)),
      ),
    )
    .execute();
  const found = new Map(rows.map(({ project_id, xc_user_id, ...profile }) => [userKey(project_id, xc_user_id), profile]));
  return keys.map((k) => found.get(userKey(k.projectId, k.xcUserID)));
}

/** The row values after applying a request (optional fields not given keep theirs), or undefined if unchanged. */
export function profileChanges(existing: StoredProfile, profile: UserProfile, device: UserDevice) {
  const phone = profile.phone ?? existing.phone;
  const next = {
    fullname: profile.fullname,
    email: profile.email ?? existing.email,
    phone,
    // Parsed only when the phone changes: a returning user costs no phone parsing.
    phone_key: phone === existing.phone ? existing.phone_key : phone === null ? null : (phoneKey(phone) ?? null),
    username: profile.username ?? existing.username,
    photo_thumbnail_url: profile.photoThumbnailURL ?? existing.photo_thumbnail_url,
    photo_fullsize_url: profile.photoFullsizeURL ?? existing.photo_fullsize_url,
    user_role_code: profile.userRoleCode ?? existing.user_role_code,
    last_ip_address: device.ipAddress,
    last_user_agent: device.userAgent,
    last_platform: device.platform,
    last_device_id: device.deviceID,
  };
  const changed = (Object.keys(next) as Array<keyof typeof next>).some((k) => next[k] !== existing[k]);
  return changed ? next : undefined;
}

export async function findUserByXcUserId(db: Kysely<DB>, projectId: string, xcUserID: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').selectAll().where('project_id', '=', projectId).where('xc_user_id', '=', xcUserID).executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

export async function countUsers(db: Kysely<DB>, projectId: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

// Read and written at every ticket redemption and refresh: compiled once.
const FIND_USER_BY_ID = new Precompiled<'projectId' | 'id', UserRow>((db, slot) =>
  db.selectFrom('users').selectAll().where('project_id', '=', slot('projectId')).where('id', '=', slot('id')),
);

export async function findUserById(db: Kysely<DB>, projectId: string, id: number): Promise<User | undefined> {
  const row = (await FIND_USER_BY_ID.execute(db, { projectId, id })).rows[0];
  return row === undefined ? undefined : toUser(row);
}

/** findUserById without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function findUserByIdNow(db: Kysely<DB>, projectId: string, id: number): User | undefined {
  const row = FIND_USER_BY_ID.now(db, { projectId, id }).rows[0];
  return row === undefined ? undefined : toUser(row);
}

const LOGIN = new Precompiled<'projectId' | 'id' | 'now', UserRow & { project_tickets_valid_after: number }>((db, slot) =>
  db
    .updateTable('users')
    .set({ last_login_at: slot('now') })
    .where('project_id', '=', slot('projectId'))
    .where('id', '=', slot('id'))
    .returningAll()
    .returning((eb) => eb.selectFrom('projects').select('tickets_valid_after').where('id', '=', slot('projectId')).as('project_tickets_valid_after')),
);

/**
 * A redemption's login in one statement (SQLite's, inside its transaction): the login time recorded,
 * and the user as it now stands with the time before which its tickets are refused (the later of the
 * project's and the user's own). Undefined when there is no such user. In place of reading the
 * watermarks, reading the user and writing the login time (three statements); the caller's transaction
 * undoes the write when the watermark then refuses the ticket.
 */
export async function loginUser(db: Kysely<DB>, projectId: string, id: number, now: number): Promise<Login | undefined> {
  return toLogin((await LOGIN.execute(db, { projectId, id, now })).rows[0]);
}

/** loginUser without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function loginUserNow(db: Kysely<DB>, projectId: string, id: number, now: number): Login | undefined {
  return toLogin(LOGIN.now(db, { projectId, id, now }).rows[0]);
}

interface Login {
  row: UserRow;
  ticketsValidAfter: number;
}

function toLogin(row: (UserRow & { project_tickets_valid_after: number }) | undefined): Login | undefined {
  if (row === undefined) return undefined;
  // The row as it came, its one extra column left in it: copying the other 21 out cost more than reading them.
  return { row, ticketsValidAfter: Math.max(row.project_tickets_valid_after ?? 0, row.tickets_valid_after) };
}

export async function findUsersByIds(db: Kysely<DB>, projectId: string, ids: number[]): Promise<User[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('users').selectAll().where('project_id', '=', projectId).where('id', 'in', ids).execute();
  return rows.map(toUser);
}

export async function findUserByUsername(db: Kysely<DB>, projectId: string, username: string, ignoreCase: boolean): Promise<User | undefined> {
  let query = db.selectFrom('users').selectAll().where('project_id', '=', projectId);
  query = ignoreCase ? query.where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase())) : query.where('username', '=', username);
  const row = await query.orderBy('id').executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/** Users whose xcUserID starts with `prefix` (no LIKE wildcards in it), by name. */
export async function listUsersByXcUserIdPrefix(db: Kysely<DB>, projectId: string, prefix: string, limit: number) {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'xc_user_id', 'fullname'])
    .where('project_id', '=', projectId)
    .where('xc_user_id', 'like', `${prefix}%`)
    .orderBy('fullname')
    .orderBy('id')
    .limit(limit)
    .execute();
  // SQLite's LIKE ignores ASCII case; the prefix is exact.
  return rows.filter((r) => r.xc_user_id.startsWith(prefix)).map((r) => ({ id: Number(r.id), xcUserID: r.xc_user_id, fullname: r.fullname }));
}

/** True when `profile` would change what the user shows others (device fields aside). */
export function profileDiffers(e: StoredProfile, p: UserProfile): boolean {
  return (
    p.fullname !== e.fullname ||
    (p.email ?? e.email) !== e.email ||
    (p.phone ?? e.phone) !== e.phone ||
    (p.username ?? e.username) !== e.username ||
    (p.photoThumbnailURL ?? e.photo_thumbnail_url) !== e.photo_thumbnail_url ||
    (p.photoFullsizeURL ?? e.photo_fullsize_url) !== e.photo_fullsize_url ||
    (p.userRoleCode ?? e.user_role_code) !== e.user_role_code
  );
}

/** The users of these xcUserIDs (those that exist). */
export async function findUsersByXcUserIds(db: Kysely<DB>, projectId: string, xcUserIDs: string[]): Promise<User[]> {
  if (xcUserIDs.length === 0) return [];
  const rows = await db.selectFrom('users').selectAll().where('project_id', '=', projectId).where('xc_user_id', 'in', xcUserIDs).execute();
  return rows.map(toUser);
}

/** The users holding one of these role codes. */
export async function findUsersByRoles(db: Kysely<DB>, projectId: string, roles: string[]): Promise<User[]> {
  if (roles.length === 0) return [];
  const rows = await db.selectFrom('users').selectAll().where('project_id', '=', projectId).where('user_role_code', 'in', roles).execute();
  return rows.map(toUser);
}

/** Users of the project whose phone has one of these keys (src/phone.ts). */
export async function findUsersByPhoneKeys(db: Kysely<DB>, projectId: string, keys: string[]): Promise<User[]> {
  if (keys.length === 0) return [];
  const rows = await db.selectFrom('users').selectAll().where('project_id', '=', projectId).where('phone_key', 'in', keys).orderBy('id').execute();
  return rows.map(toUser);
}

export async function updateBio(db: Kysely<DB>, projectId: string, id: number, bio: string | null, now: number): Promise<void> {
  await db.updateTable('users').set({ bio, updated_at: now }).where('project_id', '=', projectId).where('id', '=', id).execute();
}

/** The profile picture (user/photo/*): both URLs, null for none. */
export async function updatePhoto(db: Kysely<DB>, projectId: string, id: number, urls: { thumbnail: string; fullsize: string } | null, now: number) {
  const set = { photo_thumbnail_url: urls?.thumbnail ?? null, photo_fullsize_url: urls?.fullsize ?? null, updated_at: now };
  await db.updateTable('users').set(set).where('project_id', '=', projectId).where('id', '=', id).execute();
}
