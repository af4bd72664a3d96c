// OneTalk Live Chat's tables (migration 0013). Timestamps are epoch milliseconds, flags 0/1.
import type { Generated } from 'kysely';

export interface LivechatTopicTable {
  id: Generated<number>;
  project_id: string;
  name: string;
  created_at: number;
  updated_at: number;
}

export interface LivechatAgentTable {
  id: Generated<number>;
  project_id: string;
  email: string;
  full_name: string;
  /** `scrypt$N$r$p$salt$hash` (security/passwords.ts); never the password. */
  password_hash: string;
  /** The agent's chat user: replies are ordinary messages. */
  user_id: number;
  created_at: number;
  updated_at: number;
}

/** The topics an agent serves; an agent with none serves every topic of the project. */
export interface LivechatAgentTopicTable {
  agent_id: number;
  topic_id: number;
}

export type CaseStatus = 'open' | 'closed';

export interface LivechatCaseTable {
  id: Generated<number>;
  project_id: string;
  /** 10 upper-case hex digits: the case's id in webhooks (OneTalk's `caseID`). */
  string_id: string;
  topic_id: number;
  /** The visitor: a OneTalk contact (synced, or a guest). */
  contact_id: string;
  /** The visitor's chat user. */
  user_id: number;
  agent_id: number | null;
  status: CaseStatus;
  is_junk: Generated<number>;
  first_message: string;
  agent_remark: Generated<string>;
  rating: number | null;
  rating_note: string | null;
  rated_at: number | null;
  first_response_at: number | null;
  first_response_agent_id: number | null;
  created_at: number;
  updated_at: number;
  closed_at: number | null;
}

export interface LivechatSettingsTable {
  project_id: string;
  hex_color: string;
  /** 0: unlimited. */
  max_open_cases: number;
  updated_at: number;
}

/** An agent signed in to /inbox (migration 0014): the cookie's secret is kept only as SHA-256. */
export interface AgentSessionTable {
  /** `ags_…`, the cookie's first part. */
  id: string;
  project_id: string;
  agent_id: number;
  /** SHA-256 (hex) of the cookie's secret part. */
  secret_hash: string;
  created_at: number;
  /** Sliding: pushed forward as the agent uses the inbox (services/agent-sessions.ts). */
  expires_at: number;
}
