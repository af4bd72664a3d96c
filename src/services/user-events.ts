// user.updated webhook events: the user as the change's transaction left it.
import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import { findUserById } from '../repos/users.ts';
import type { WebhookEndpoint } from '../repos/webhooks.ts';
import type { DB } from '../storage/schema.ts';
import { type ClientUser, toClientUser } from './user-view.ts';
import { eventBody } from './webhook-payloads.ts';
import { announce } from './webhooks.ts';

/** Announces the user to `to` (read through `trx`) and returns them as clients see them. */
export async function announceUser(trx: Kysely<DB>, deps: Deps, to: WebhookEndpoint[], projectId: string, userId: number, at: number): Promise<ClientUser> {
  const saved = await findUserById(trx, projectId, userId);
  if (saved === undefined) throw new Error('the user just saved is gone');
  const user = toClientUser(saved);
  await announce(trx, deps, to, { event: 'user.updated', orderKey: `user:${userId}`, payload: eventBody('user.updated', at, { user }) });
  return user;
}
