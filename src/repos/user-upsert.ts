// Writing a user from a request: only what changed for a known user, the race-safe upsert for a new one.
import type { Kysely, OnConflictBuilder } from 'kysely';
import { phoneKey } from '../phone.ts';
import { Precompiled } from '../storage/precompiled.ts';
import type { DB } from '../storage/schema.ts';
import { type UserDevice, type UserProfile, findUserProfile, profileChanges } from './users.ts';

/**
 * Finds the user by xcUserID and writes only what changed: a returning user on the same device
 * costs one indexed read and no write (so many requests for one user never queue on its row lock).
 * A new user goes through the race-safe upsert. `written` tells whether the user row changed.
 */
export async function saveUser(
  db: Kysely<DB>,
  projectId: string,
  profile: UserProfile,
  device: UserDevice,
  now: number,
): Promise<{ id: number; written: boolean }> {
  const existing = await findUserProfile(db, projectId, profile.xcUserID);
  if (existing === undefined) return { id: await upsertUser(db, projectId, profile, device, now), written: true };
  const id = Number(existing.id);
  const next = profileChanges(existing, profile, device);
  if (next === undefined) return { id, written: false };
  await db
    .updateTable('users')
    .set({ ...next, updated_at: now })
    .where('id', '=', id)
    .execute();
  return { id, written: true };
}

/**
 * Creates the user or updates it in one statement, so two racing requests for the same
 * xcUserID meet at the unique constraint instead of creating two rows. Optional fields that
 * were not given keep their stored value; with `device` undefined (the server API's user/update)
 * the device fields keep theirs. Returns the numeric user id.
 */
export async function upsertUser(db: Kysely<DB>, projectId: string, profile: UserProfile, device: UserDevice | undefined, now: number): Promise<number> {
  const { rows } = await UPSERT_USER.execute(db, upsertValues(projectId, profile, device, now));
  const row = rows[0];
  if (!row) throw new Error('upsert returned no row');
  return Number(row.id);
}

/** The upsert's values by name (the statement's slots; repos/user-batches.ts writes many rows of them). */
export function upsertValues(
  projectId: string,
  profile: UserProfile,
  device: UserDevice | undefined,
  now: number,
): Record<UpsertField, string | number | null> {
  return {
    projectId,
    xcUserID: profile.xcUserID,
    fullname: profile.fullname,
    email: profile.email ?? null,
    phone: profile.phone ?? null,
    phoneKey: profile.phone === undefined ? null : (phoneKey(profile.phone) ?? null),
    username: profile.username ?? null,
    thumbnail: profile.photoThumbnailURL ?? null,
    fullsize: profile.photoFullsizeURL ?? null,
    role: profile.userRoleCode ?? null,
    ip: device?.ipAddress ?? null,
    userAgent: device?.userAgent ?? null,
    platform: device?.platform ?? null,
    deviceId: device?.deviceID ?? null,
    now,
  };
}

type UpsertField =
  | 'projectId'
  | 'xcUserID'
  | 'fullname'
  | 'email'
  | 'phone'
  | 'phoneKey'
  | 'username'
  | 'thumbnail'
  | 'fullsize'
  | 'role'
  | 'ip'
  | 'userAgent'
  | 'platform'
  | 'deviceId'
  | 'now';

/** A users row from the upsert's values (or from its slots, when compiled once). */
// biome-ignore lint/suspicious/noExplicitAny: a slot stands in for a value of any column type
export function userColumns(v: (field: UpsertField) => any) {
  return {
    project_id: v('projectId'),
    xc_user_id: v('xcUserID'),
    fullname: v('fullname'),
    email: v('email'),
    phone: v('phone'),
    phone_key: v('phoneKey'),
    username: v('username'),
    photo_thumbnail_url: v('thumbnail'),
    photo_fullsize_url: v('fullsize'),
    user_role_code: v('role'),
    last_ip_address: v('ip'),
    last_user_agent: v('userAgent'),
    last_platform: v('platform'),
    last_device_id: v('deviceId'),
    created_at: v('now'),
    updated_at: v('now'),
  };
}

/** When the xcUserID exists: the name and the time are replaced, every other field only when given. */
export function onUserConflict(oc: OnConflictBuilder<DB, 'users'>) {
  return oc.columns(['project_id', 'xc_user_id']).doUpdateSet((eb) => ({
    fullname: eb.ref('excluded.fullname'),
    email: eb.fn.coalesce('excluded.email', 'users.email'),
    phone: eb.fn.coalesce('excluded.phone', 'users.phone'),
    // A phone not given keeps the stored one, and with it its key.
    phone_key: eb.case().when('excluded.phone', 'is', null).then(eb.ref('users.phone_key')).else(eb.ref('excluded.phone_key')).end(),
    username: eb.fn.coalesce('excluded.username', 'users.username'),
    photo_thumbnail_url: eb.fn.coalesce('excluded.photo_thumbnail_url', 'users.photo_thumbnail_url'),
    photo_fullsize_url: eb.fn.coalesce('excluded.photo_fullsize_url', 'users.photo_fullsize_url'),
    user_role_code: eb.fn.coalesce('excluded.user_role_code', 'users.user_role_code'),
    last_ip_address: eb.fn.coalesce('excluded.last_ip_address', 'users.last_ip_address'),
    last_user_agent: eb.fn.coalesce('excluded.last_user_agent', 'users.last_user_agent'),
    last_platform: eb.fn.coalesce('excluded.last_platform', 'users.last_platform'),
    last_device_id: eb.fn.coalesce('excluded.last_device_id', 'users.last_device_id'),
    updated_at: eb.ref('excluded.updated_at'),
  }));
}

// Every new user's ticket runs it: compiled once (storage/precompiled.ts).
const UPSERT_USER = new Precompiled<UpsertField, { id: number }>((db, slot) =>
  db.insertInto('users').values(userColumns(slot)).onConflict(onUserConflict).returning('id'),
);
