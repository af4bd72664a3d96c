import type { Kysely } from 'kysely';
import type { ContactRow, DB } from '../storage/schema.ts';

export interface ContactFields {
  customerUserID: string;
  fullName: string;
  alias?: string | undefined;
  email?: string | undefined;
  /** Normalised digits. */
  phone?: string | undefined;
  photoURL?: string | undefined;
}

export interface Contact {
  id: string;
  customerUserID: string | null;
  fullName: string;
  alias: string | null;
  email: string | null;
  phone: string | null;
  photoURL: string | null;
  createdAt: number;
  updatedAt: number;
}

export function toContact(r: ContactRow): Contact {
  return {
    id: r.id,
    customerUserID: r.customer_user_id,
    fullName: r.full_name,
    alias: r.alias,
    email: r.email,
    phone: r.phone,
    photoURL: r.photo_url,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Contacts matching any of the sync keys (at most 3 are read: more than one is already a conflict). */
export async function findBySyncKeys(db: Kysely<DB>, projectId: string, keys: { customerUserID: string; phone?: string | undefined }): Promise<Contact[]> {
  const rows = await db
    .selectFrom('contacts')
    .selectAll()
    .where('project_id', '=', projectId)
    .where((eb) => {
      const byCustomer = eb('customer_user_id', '=', keys.customerUserID);
      return keys.phone === undefined ? byCustomer : eb.or([byCustomer, eb('phone', '=', keys.phone)]);
    })
    .limit(3)
    .execute();
  return rows.map(toContact);
}

/** `customerUserID` null: a Live Chat guest, whom no backend synced. */
export async function insertContact(
  db: Kysely<DB>,
  projectId: string,
  id: string,
  fields: Omit<ContactFields, 'customerUserID'> & { customerUserID: string | null },
  now: number,
) {
  await db
    .insertInto('contacts')
    .values({
      id,
      project_id: projectId,
      customer_user_id: fields.customerUserID,
      full_name: fields.fullName,
      alias: fields.alias ?? null,
      email: fields.email ?? null,
      phone: fields.phone ?? null,
      photo_url: fields.photoURL ?? null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

/**
 * Updates a contact with the given fields (optional fields not given keep their value) and ties it
 * to the customer user ID, but only while it is untied or tied to that same ID: a concurrent sync
 * that tied it elsewhere makes this return false.
 */
export async function updateContact(db: Kysely<DB>, id: string, fields: ContactFields, now: number): Promise<boolean> {
  const result = await db
    .updateTable('contacts')
    .set((eb) => ({
      customer_user_id: fields.customerUserID,
      full_name: fields.fullName,
      alias: fields.alias ?? eb.ref('alias'),
      email: fields.email ?? eb.ref('email'),
      phone: fields.phone ?? eb.ref('phone'),
      photo_url: fields.photoURL ?? eb.ref('photo_url'),
      updated_at: now,
    }))
    .where('id', '=', id)
    .where((eb) => eb.or([eb('customer_user_id', 'is', null), eb('customer_user_id', '=', fields.customerUserID)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function findContact(db: Kysely<DB>, projectId: string, id: string): Promise<Contact | undefined> {
  const row = await db.selectFrom('contacts').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return row ? toContact(row) : undefined;
}

/** The contact a company's backend names: by its id, its customer user ID or its phone (each unique per project). */
export async function findContactBy(db: Kysely<DB>, projectId: string, key: 'id' | 'customerUserID' | 'phone', value: string): Promise<Contact | undefined> {
  const column = key === 'id' ? 'id' : key === 'customerUserID' ? 'customer_user_id' : 'phone';
  const row = await db.selectFrom('contacts').selectAll().where('project_id', '=', projectId).where(column, '=', value).executeTakeFirst();
  return row ? toContact(row) : undefined;
}

export async function listContacts(db: Kysely<DB>, projectId: string): Promise<Contact[]> {
  const rows = await db.selectFrom('contacts').selectAll().where('project_id', '=', projectId).orderBy('created_at').execute();
  return rows.map(toContact);
}
