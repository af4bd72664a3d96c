// contact/add_by_phones: the app sends the phone numbers of the device's address book; every user of
// the project with one of those numbers becomes a contact of the caller (src/phone.ts says when two
// spellings are the same number). The caller is skipped, and so is anyone who blocked the caller.
import type { Deps } from '../deps.ts';
import { type PhoneParts, phoneParts, sameParts } from '../phone.ts';
import { addContact } from '../repos/user-contacts.ts';
import { findUsersByPhoneKeys } from '../repos/users.ts';
import { withoutBlockers } from './blocks.ts';
import type { ChatActor } from './room-state.ts';
import { type ClientUser, toClientUser } from './user-view.ts';

export async function addContactsByPhones(deps: Deps, actor: ChatActor, phones: string[]): Promise<{ users: ClientUser[] }> {
  // Each number parsed once, grouped by national number: matching costs one parse per user found.
  const asked = new Map<string, PhoneParts[]>();
  for (const phone of phones) {
    const parts = phoneParts(phone);
    if (parts === undefined) continue;
    const same = asked.get(parts.national);
    if (same === undefined) asked.set(parts.national, [parts]);
    else same.push(parts);
  }
  const matches = (phone: string | null) => {
    const parts = phone === null ? undefined : phoneParts(phone);
    return parts !== undefined && (asked.get(parts.national) ?? []).some((p) => sameParts(p, parts));
  };
  const candidates = (await findUsersByPhoneKeys(deps.db, actor.projectId, [...asked.keys()])).filter((u) => u.id !== actor.userId && matches(u.phone));
  const allowed = new Set(
    await withoutBlockers(
      deps,
      actor,
      candidates.map((u) => u.id),
    ),
  );
  const found = candidates.filter((u) => allowed.has(u.id));
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    for (const u of found) await addContact(trx, actor.projectId, actor.userId, u.id, now);
  });
  return { users: found.map(toClientUser) };
}
