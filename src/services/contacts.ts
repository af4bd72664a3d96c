// OneTalk contacts, kept in sync by the keys customerUserID (required) and phone (optional).
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { type ContactFields, findBySyncKeys, insertContact, updateContact } from '../repos/contacts.ts';
import type { DB } from '../storage/schema.ts';
import { TICKET_TTL_SECONDS } from '../tokens.ts';
import { ConcurrentChange, inRetriedTransaction } from './transactions.ts';

export interface SyncResult {
  created: boolean;
  /** Whether the contact row was written (false: it already held these values). */
  written: boolean;
  contactID: string;
  message: 'Contact created successfully' | 'Contact updated successfully';
}

/**
 * The seed's sync rules: no match → create; exactly one → update (tying an untied contact to the
 * customer user ID); more than one → 40901; a match tied to another customer user ID → 40902.
 */
async function saveContact(trx: Transaction<DB>, projectId: string, fields: ContactFields, now: number): Promise<SyncResult> {
  const matches = await findBySyncKeys(trx, projectId, fields);
  if (matches.length > 1) throw new ApiError('ContactDuplicateKeys', { field: 'phone' });
  const match = matches[0];
  if (match === undefined) {
    const contactID = randomUUID();
    await insertContact(trx, projectId, contactID, fields, now);
    return { created: true, written: true, contactID, message: 'Contact created successfully' };
  }
  if (match.customerUserID !== null && match.customerUserID !== fields.customerUserID) {
    throw new ApiError('ContactCustomerUserIDConflict', { field: 'customerUserID' });
  }
  const unchanged =
    match.customerUserID === fields.customerUserID &&
    match.fullName === fields.fullName &&
    (fields.alias ?? match.alias) === match.alias &&
    (fields.email ?? match.email) === match.email &&
    (fields.phone ?? match.phone) === match.phone &&
    (fields.photoURL ?? match.photoURL) === match.photoURL;
  // Nothing to write: no row lock, so repeated syncs of one contact never queue behind each other.
  if (!unchanged && !(await updateContact(trx, match.id, fields, now))) throw new ConcurrentChange();
  return { created: false, written: !unchanged, contactID: match.id, message: 'Contact updated successfully' };
}

export async function syncContact(deps: Deps, projectId: string, fields: ContactFields): Promise<SyncResult> {
  const now = deps.clock.now();
  return inRetriedTransaction(deps, (trx) => saveContact(trx, projectId, fields, now));
}

/** Saves the contact as sync_contact does, then issues a Live Chat auth ticket for it. */
export async function requestLiveChatTicket(deps: Deps, projectId: string, fields: ContactFields): Promise<SyncResult & { ticket: string }> {
  const now = deps.clock.now();
  const issued = await inRetriedTransaction(deps, async (trx) => {
    // As for PowerTalk tickets, issuing writes nothing of its own: the ticket is recorded when redeemed.
    const result = await saveContact(trx, projectId, fields, now);
    const { token } = deps.signer.sign({
      pur: 'livechat_ticket',
      sub: result.contactID,
      pid: projectId,
      now,
      ttlSeconds: TICKET_TTL_SECONDS,
    });
    return { ...result, ticket: token };
  });
  deps.metrics.ticketsIssued.inc({ kind: 'onetalk' });
  return issued;
}
