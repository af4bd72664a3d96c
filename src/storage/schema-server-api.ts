// The tables of the server API and its webhooks (part of `DB` in schema.ts). Timestamps are epoch ms.
import type { Generated } from 'kysely';

/** User role codes whose users are participants of a room (server API rooms). */
export interface RoomRoleTable {
  project_id: string;
  role: string;
  room_id: string;
}

/** Where a project's webhooks go, and which events. */
export interface WebhookEndpointTable {
  id: string;
  project_id: string;
  url: string;
  /** JSON array of event names. */
  events: string;
  /** The signing secret, encrypted (security/secret-box.ts). */
  secret_wrapped: string;
  created_at: number;
  deleted_at: number | null;
}

/** The outbox: one row per event and endpoint, written in the transaction of the change. */
export interface WebhookDeliveryTable {
  id: Generated<number>;
  endpoint_id: string;
  project_id: string;
  message_id: string;
  event: string;
  order_key: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Generated<number>;
  next_attempt_at: number;
  claimed_until: Generated<number>;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** How far the SQLite dispatcher has announced the messages table (`message.sent`, by message id). */
export interface WebhookCursorTable {
  name: string;
  last_id: number;
}

/** Answers of server-API calls made with an Idempotency-Key, kept 24 hours. */
export interface IdempotencyKeyTable {
  project_id: string;
  key: string;
  request_hash: string;
  /** The HTTP status of the answer; 0 while the first request is in progress. */
  status: number;
  body: string;
  created_at: number;
}
