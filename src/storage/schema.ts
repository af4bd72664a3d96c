// Every table Parley stores, as Kysely sees it. Timestamps are epoch milliseconds.
import type { Generated, Insertable, Selectable } from 'kysely';

export interface ProjectTable {
  id: string;
  name: string;
  tier: string | null;
  created_at: number;
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

export interface DB {
  projects: ProjectTable;
  api_keys: ApiKeyTable;
  users: UserTable;
  contacts: ContactTable;
  tickets: TicketTable;
  settings: SettingTable;
  sessions: SessionTable;
  refresh_tokens: RefreshTokenTable;
}

export type UserRow = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type ContactRow = Selectable<ContactTable>;
