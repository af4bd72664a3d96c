// What an operator sets up for Live Chat (CLI): topics, agent accounts and the launcher's settings.
// Agents are chat users of the project (xcUserID `agent:<uuid>`), so their replies are ordinary messages.
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { OperatorError } from '../errors.ts';
import * as repo from '../repos/livechat.ts';
import type { Agent, LivechatSettings, Topic } from '../repos/livechat.ts';
import { upsertUser } from '../repos/user-upsert.ts';
import { hashPassword } from '../security/passwords.ts';
import { isUniqueViolation } from '../storage/dialect.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
/** Passwords: at least this long (NIST SP 800-63B's minimum for a chosen secret), and a sane bound. */
export const PASSWORD_LENGTH = { min: 8, max: 1024 };

function text(value: string, what: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed === '' || [...trimmed].length > max) throw new OperatorError(`${what} must be between 1 and ${max} characters`);
  return trimmed;
}

export async function createTopic(deps: Deps, projectId: string, name: string): Promise<Topic> {
  return repo.insertTopic(deps.db, projectId, text(name, 'the topic name', 100), deps.clock.now());
}

export const listTopics = (deps: Deps, projectId: string) => repo.listTopics(deps.db, projectId);

export interface AgentInput {
  email: string;
  fullName: string;
  password: string;
  /** Empty: the agent serves every topic. */
  topicIds: number[];
}

export async function createAgent(deps: Deps, projectId: string, input: AgentInput): Promise<Agent> {
  const email = text(input.email, 'the email', 250).toLowerCase();
  if (!EMAIL.test(email)) throw new OperatorError('the email is not a valid email address');
  const fullName = text(input.fullName, 'the name', 250);
  const length = [...input.password].length;
  if (length < PASSWORD_LENGTH.min || length > PASSWORD_LENGTH.max) {
    throw new OperatorError(`the password must be between ${PASSWORD_LENGTH.min} and ${PASSWORD_LENGTH.max} characters`);
  }
  const topics = await repo.listTopicsByIds(deps.db, projectId, [...new Set(input.topicIds)]);
  const unknown = input.topicIds.find((id) => !topics.some((t) => t.id === id));
  if (unknown !== undefined) throw new OperatorError(`no topic ${unknown} in this project`);
  if ((await repo.findAgentByEmail(deps.db, projectId, email)) !== undefined) throw new OperatorError(`an agent with the email ${email} exists`);
  // Hashed before the transaction: scrypt takes tens of milliseconds and holds no lock.
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now();
  try {
    return await deps.db.transaction().execute(async (trx) => {
      const userId = await upsertUser(trx, projectId, { xcUserID: `agent:${randomUUID()}`, fullname: fullName, email, userRoleCode: 'agent' }, undefined, now);
      return repo.insertAgent(trx, { projectId, email, fullName, passwordHash, userId, topicIds: topics.map((t) => t.id) }, now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new OperatorError(`an agent with the email ${email} exists`);
    throw err;
  }
}

export const getSettings = (deps: Deps, projectId: string) => repo.findSettings(deps.db, projectId);

/** Changes the settings given, keeps the others. */
export async function updateSettings(deps: Deps, projectId: string, change: Partial<LivechatSettings>): Promise<LivechatSettings> {
  if (change.hexColor !== undefined && !HEX_COLOR.test(change.hexColor)) throw new OperatorError('the colour must be #RRGGBB');
  if (change.maxOpenCases !== undefined && !(Number.isSafeInteger(change.maxOpenCases) && change.maxOpenCases >= 0 && change.maxOpenCases <= 1000)) {
    throw new OperatorError('the most open cases must be a whole number from 0 (unlimited) to 1000');
  }
  const next = { ...(await repo.findSettings(deps.db, projectId)), ...change };
  await repo.saveSettings(deps.db, projectId, next, deps.clock.now());
  return next;
}
