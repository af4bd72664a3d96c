// Agents' /inbox sessions (migration 0014). Rows are mapped here and nowhere else.
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';

export interface AgentSession {
  id: string;
  projectId: string;
  agentId: number;
  secretHash: string;
  createdAt: number;
  expiresAt: number;
}

export async function insertAgentSession(db: Kysely<DB>, s: AgentSession): Promise<void> {
  await db
    .insertInto('agent_sessions')
    .values({ id: s.id, project_id: s.projectId, agent_id: s.agentId, secret_hash: s.secretHash, created_at: s.createdAt, expires_at: s.expiresAt })
    .execute();
}

export async function findAgentSession(db: Kysely<DB>, id: string): Promise<AgentSession | undefined> {
  const r = await db.selectFrom('agent_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (r === undefined) return undefined;
  return {
    id: r.id,
    projectId: r.project_id,
    agentId: Number(r.agent_id),
    secretHash: r.secret_hash,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

export async function extendAgentSession(db: Kysely<DB>, id: string, expiresAt: number): Promise<void> {
  await db.updateTable('agent_sessions').set({ expires_at: expiresAt }).where('id', '=', id).execute();
}

/** Ends one session, and (on the way) every expired one. */
export async function deleteAgentSession(db: Kysely<DB>, id: string, now: number): Promise<void> {
  await db
    .deleteFrom('agent_sessions')
    .where((eb) => eb.or([eb('id', '=', id), eb('expires_at', '<=', now)]))
    .execute();
}
