// Every table Parley stores, as Kysely sees it. Timestamps are epoch milliseconds.
import type { Generated, Selectable } from 'kysely';
import type { FileSweepTable, FileTable, UserPhotoTable } from './schema-files.ts';
import type {
  AgentSessionTable,
  LivechatAgentTable,
  LivechatAgentTopicTable,
  LivechatCaseTable,
  LivechatSettingsTable,
  LivechatTopicTable,
} from './schema-livechat.ts';
import type { IdempotencyKeyTable, RoomRoleTable, WebhookCursorTable, WebhookDeliveryTable, WebhookEndpointTable } from './schema-server-api.ts';
import type { MessageHideTable, MessagePinTable, MessageStarTable, RoomUserStateTable } from './schema-state.ts';

export interface ProjectTable {
  id: string;
  name: string;
  /** The name as compared for uniqueness (repos/projects.ts nameKey); unique. */
  name_key: string;
  tier: string | null;
  created_at: number;
  /** Tickets issued before this time (epoch ms) are refused: set by revoke_all. */
  tickets_valid_after: Generated<number>;
}

export type KeyType = 'server' | 'api' | 'app';

export interface ApiKeyTable {
  id: string;
  project_id: string;
  type: KeyType;
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** PowerTalk chat users, found by (project, xc_user_id). */
export interface UserTable {
  /** Never reused: AUTOINCREMENT on SQLite, an identity column on PostgreSQL. */
  id: Generated<number>;
  project_id: string;
  xc_user_id: string;
  fullname: string;
  email: string | null;
  phone: string | null;
  username: string | null;
  photo_thumbnail_url: string | null;
  photo_fullsize_url: string | null;
  user_role_code: string | null;
  last_ip_address: string | null;
  last_user_agent: string | null;
  last_platform: string | null;
  last_device_id: string | null;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  /** Tickets of this user issued before this time (epoch ms) are refused: set by revoke_user. */
  tickets_valid_after: Generated<number>;
  bio: Generated<string | null>;
  /** The phone's national number (src/phone.ts): what add_by_phones looks users up by. */
  phone_key: Generated<string | null>;
}

/** OneTalk contacts, kept in sync by customer_user_id and phone. */
export interface ContactTable {
  id: string;
  project_id: string;
  customer_user_id: string | null;
  full_name: string;
  alias: string | null;
  email: string | null;
  /** Normalised digits with the country calling code, no '+'. */
  phone: string | null;
  photo_url: string | null;
  created_at: number;
  updated_at: number;
}

export type TicketKind = 'powertalk' | 'onetalk';

/** One row per issued auth ticket, so a ticket can be redeemed only once. */
export interface TicketTable {
  jti: string;
  project_id: string;
  kind: TicketKind;
  subject: string;
  issued_at: number;
  expires_at: number;
  redeemed_at: number | null;
}

export type SessionKind = 'powertalk' | 'onetalk';

/** A client session: born when a ticket is redeemed, renewed by refresh, ended by logout or revocation. */
export interface SessionTable {
  id: string;
  project_id: string;
  kind: SessionKind;
  /** PowerTalk user id (decimal string) or OneTalk contact UUID. */
  subject: string;
  /** Bumped by every refresh; access tokens of an older generation are superseded. */
  generation: number;
  device_id: string | null;
  platform: string | null;
  created_at: number;
  refreshed_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
  /** Where `new_and_updated` left off for this session (epoch ms). */
  sync_cursor: Generated<number>;
}

/** One-time refresh tokens; a used one presented again revokes its session. */
export interface RefreshTokenTable {
  id: string;
  session_id: string;
  secret_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Process-wide settings shared through the database (the ticket signing secret). */
export interface SettingTable {
  name: string;
  value: string;
}

/** 0 or 1: flags are integers on both databases. */
export type Flag = number;

/** Chat rooms. Personal rooms are `"<a>-<b>"` (user ids ascending); groups get generated ids. */
export interface RoomTable {
  project_id: string;
  id: string;
  /** 1 personal, 2 group, 3 channel. */
  type: number;
  name: string;
  xc_room_id: string;
  image_thumbnail: string;
  image_fullsize: string;
  color: string;
  is_deleted: Generated<Flag>;
  deleted_at: Generated<number>;
  /** A locked room takes no writes from chat users (a closed case's room); locked_at is 0 when not. */
  is_locked: Generated<Flag>;
  locked_at: Generated<number>;
  /** Bumped by every stored event of the room. */
  seq: Generated<number>;
  /** Time of the latest event, strictly increasing (epoch ms). */
  last_event_at: Generated<number>;
  created_at: number;
  updated_at: number;
  /** JSON array: the tags the server API gave the room. */
  tags: Generated<string>;
}

export interface RoomMemberTable {
  project_id: string;
  room_id: string;
  user_id: number;
  is_admin: Generated<Flag>;
  joined_at: number;
}

export interface MessageTable {
  id: Generated<number>;
  project_id: string;
  room_id: string;
  sender_id: number;
  local_id: string;
  type: number;
  /** Ciphertext as the client sent it (spec §5.2): stored and relayed untouched. */
  body: string;
  data: string;
  /** JSON of the other client fields kept as sent: quote, replyTo, forwardFrom, target, filterID, recipientID, action. */
  extra: string;
  is_hidden: Flag;
  is_delivered: Flag;
  is_read: Flag;
  is_deleted: Flag;
  is_edited: Flag;
  created_at: number;
  updated_at: number;
  deleted_at: number;
}

/** A PowerTalk user's own contact list (client API contact/add). */
export interface UserContactTable {
  project_id: string;
  user_id: number;
  contact_user_id: number;
  created_at: number;
}

/** A message to be sent at a time: a row first, claimed by one node when due (services/scheduler.ts). */
export interface ScheduledMessageTable {
  id: Generated<number>;
  project_id: string;
  room_id: string;
  sender_id: number;
  local_id: string;
  /** The client's message as sent, JSON (chat/message-input.ts ClientMessage without roomID). */
  message: string;
  scheduled_at: number;
  created_at: number;
  updated_at: number;
  /** Set when the message is stored; the row then only awaits delivery (and is deleted after it). */
  message_id: number | null;
  stored_at: number | null;
}

/** `user_id` blocked `blocked_user_id`. */
export interface UserBlockTable {
  project_id: string;
  user_id: number;
  blocked_user_id: number;
  created_at: number;
}

/** A user's report of another user or of a message, kept for the operator (`parley report list`). */
export interface ChatReportTable {
  id: Generated<number>;
  project_id: string;
  reporter_id: number;
  reported_user_id: number;
  room_id: string | null;
  message_id: number | null;
  category: string;
  is_other_category: Flag;
  reason: string;
  created_at: number;
}

/** A session's push token (FCM or APNs), kept for delivery: Parley sends no push yet. */
export interface PushTokenTable {
  session_id: string;
  project_id: string;
  user_id: number;
  fcm_token: string | null;
  apn_token: string | null;
  updated_at: number;
}

export interface DB {
  projects: ProjectTable;
  api_keys: ApiKeyTable;
  users: UserTable;
  contacts: ContactTable;
  tickets: TicketTable;
  settings: SettingTable;
  sessions: SessionTable;
  refresh_tokens: RefreshTokenTable;
  rooms: RoomTable;
  room_members: RoomMemberTable;
  messages: MessageTable;
  user_contacts: UserContactTable;
  room_roles: RoomRoleTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_cursors: WebhookCursorTable;
  idempotency_keys: IdempotencyKeyTable;
  scheduled_messages: ScheduledMessageTable;
  user_blocks: UserBlockTable;
  chat_reports: ChatReportTable;
  push_tokens: PushTokenTable;
  files: FileTable;
  user_photos: UserPhotoTable;
  file_sweeps: FileSweepTable;
  room_user_states: RoomUserStateTable;
  message_stars: MessageStarTable;
  message_pins: MessagePinTable;
  message_hides: MessageHideTable;
  livechat_topics: LivechatTopicTable;
  livechat_agents: LivechatAgentTable;
  livechat_agent_topics: LivechatAgentTopicTable;
  livechat_cases: LivechatCaseTable;
  livechat_settings: LivechatSettingsTable;
  agent_sessions: AgentSessionTable;
}

export type UserRow = Selectable<UserTable>;
export type ContactRow = Selectable<ContactTable>;
export type RoomRow = Selectable<RoomTable>;
export type MessageRow = Selectable<MessageTable>;
