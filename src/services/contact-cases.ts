// A contact's Live Chat cases as the company's backend reads them (OneTalk integration API
// `case/get_list`, a Parley addition: docs/livechat.md). The contact is named by exactly one of its
// keys; another project's contact is unknown here.
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { type Case, listCasesOfContact } from '../repos/cases.ts';
import { findContactBy } from '../repos/contacts.ts';
import { caseContext, caseView } from './case-views.ts';

/** The most cases one answer holds (as the visitor's own list). */
export const CONTACT_CASES_MAX = 200;

/** How the backend names the contact: its wire field and the value (a phone already normalised to digits). */
export interface ContactSelector {
  field: 'customerUserID' | 'phone' | 'userID';
  value: string;
}

export async function listContactCases(deps: Deps, projectId: string, selector: ContactSelector, status?: Case['status']) {
  const contact = await findContactBy(deps.db, projectId, selector.field === 'userID' ? 'id' : selector.field, selector.value);
  if (contact === undefined) throw new ApiError('UserNotFound', { field: selector.field, message: 'Contact not found' });
  const cases = await listCasesOfContact(deps.db, projectId, contact.id, CONTACT_CASES_MAX, status);
  const ctx = await caseContext(deps.db, projectId, cases);
  return cases.map((c) => caseView(c, ctx));
}
