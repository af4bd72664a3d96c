// Live Chat visitors: OneTalk contacts (synced by the company's backend, or guests who signed up in the
// launcher). Each has a chat user (xcUserID `livechat:<contact id>`) for the TapTalk chat SDK.
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { type Contact, findContact, insertContact } from '../repos/contacts.ts';
import { upsertUser } from '../repos/user-upsert.ts';
import { TICKET_TTL_SECONDS } from '../tokens.ts';
import { requestAuthTicket } from './powertalk.ts';
import { toLiveChatUser } from './user-view.ts';

export interface Visitor {
  projectId: string;
  contactId: string;
}

const chatXcUserId = (contactId: string) => `livechat:${contactId}`;

async function contactOf(deps: Deps, visitor: Visitor): Promise<Contact> {
  const contact = await findContact(deps.db, visitor.projectId, visitor.contactId);
  if (contact === undefined) throw new ApiError('TokenUserNotFound');
  return contact;
}

const profileOf = (c: Contact) => ({
  xcUserID: chatXcUserId(c.id),
  fullname: c.fullName,
  email: c.email ?? undefined,
  phone: c.phone ?? undefined,
  photoThumbnailURL: c.photoURL ?? undefined,
  photoFullsizeURL: c.photoURL ?? undefined,
});

/** The visitor's chat user id, created (or its name brought up to date with the contact) on the way. */
export async function visitorUser(deps: Deps, visitor: Visitor): Promise<number> {
  const contact = await contactOf(deps, visitor);
  const id = await upsertUser(deps.db, visitor.projectId, profileOf(contact), undefined, deps.clock.now());
  deps.authCache.invalidate({ kind: 'user', project: visitor.projectId, id });
  return id;
}

/** client/taptalk/request_auth_ticket: a chat ticket for the visitor's chat user (TapTalk chat SDK). */
export async function requestVisitorChatTicket(
  deps: Deps,
  visitor: Visitor,
  device: { ipAddress: string; userAgent: string; platform: string; deviceID: string },
) {
  const contact = await contactOf(deps, visitor);
  return requestAuthTicket(deps, visitor.projectId, { profile: profileOf(contact), device });
}

/**
 * client/user/create: a guest who gives a name and an email becomes a contact of their own (no
 * customerUserID: the company's backend never synced them) and gets a Live Chat ticket.
 */
export async function createGuest(deps: Deps, projectId: string, input: { fullName: string; email: string }) {
  const now = deps.clock.now();
  const id = randomUUID();
  await insertContact(deps.db, projectId, id, { customerUserID: null, fullName: input.fullName, email: input.email }, now);
  const contact = await contactOf(deps, { projectId, contactId: id });
  const { token } = deps.signer.sign({ pur: 'livechat_ticket', sub: id, pid: projectId, now, ttlSeconds: TICKET_TTL_SECONDS });
  deps.metrics.ticketsIssued.inc({ kind: 'onetalk' });
  return { user: { ...toLiveChatUser(contact), source: 'launcher' }, ticket: token };
}
