// The tables of per-user room and message state (part of `DB` in schema.ts). Timestamps are epoch ms.
import type { Generated } from 'kysely';

/** What one user chose for one room, and how far the user has got in it (docs/chat-state.md). */
export interface RoomUserStateTable {
  project_id: string;
  user_id: number;
  room_id: string;
  /** null: not muted; 0: muted until unmuted; else muted until this time. */
  muted_until: number | null;
  pinned_at: number | null;
  marked_unread_at: number | null;
  /** Messages created at or before this time are gone for the user (clear chat). */
  cleared_at: Generated<number>;
  /** The created time of the newest message the user received, and when that was told. */
  delivered_upto: Generated<number>;
  delivered_at: Generated<number>;
  /** The created time of the newest message the user read, and when that was told. */
  read_upto: Generated<number>;
  read_at: Generated<number>;
}

export interface MessageStarTable {
  project_id: string;
  user_id: number;
  message_id: number;
  room_id: string;
  created_at: number;
}

export interface MessagePinTable {
  project_id: string;
  room_id: string;
  message_id: number;
  pinned_by: number;
  created_at: number;
}

/** A message the user deleted for themself only. */
export interface MessageHideTable {
  project_id: string;
  user_id: number;
  message_id: number;
  room_id: string;
  created_at: number;
}
