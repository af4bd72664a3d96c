// Field rules of seed 000's two User/Contact tables. They differ only in sizes.
import type { ContactFields } from '../../repos/contacts.ts';
import type { FieldRule, Validated } from '../../validation.ts';

function contactRules(sizes: { fullName: number; email: number; phone: number }) {
  return [
    { name: 'customerUserID', field: 'customerUserID', label: 'Customer user ID', required: true, max: 100 },
    { name: 'fullName', field: 'fullName', label: 'Full name', required: true, max: sizes.fullName },
    { name: 'alias', field: 'alias', label: 'Alias', required: false, max: 100 },
    { name: 'email', field: 'email', label: 'Email', required: false, max: sizes.email, format: 'email' },
    { name: 'phone', field: 'phone', label: 'Phone', required: false, max: sizes.phone, format: 'phone-international' },
    { name: 'photoURL', field: 'photoURL', label: 'Photo URL', required: false, max: 2048, format: 'url' },
  ] as const satisfies readonly FieldRule[];
}

/** request_auth_ticket: fullName 1..250, email 1..250, phone 1..20. */
export const REQUEST_TICKET_RULES = contactRules({ fullName: 250, email: 250, phone: 20 });
/** sync_contact: every field 1..100. */
export const SYNC_CONTACT_RULES = contactRules({ fullName: 100, email: 100, phone: 100 });

export function toContactFields(input: Validated<typeof SYNC_CONTACT_RULES>): ContactFields {
  return {
    customerUserID: input.customerUserID,
    fullName: input.fullName,
    alias: input.alias,
    email: input.email,
    phone: input.phone,
    photoURL: input.photoURL,
  };
}
