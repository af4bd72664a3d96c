// The demo's Live Chat (`serve --demo`, which `npm start` passes): a topic and an agent in the demo's
// project, so /demo's Live Chat tab (the visitor) and /inbox (the agent) can be played without the CLI.
// The agent's password is random, chosen at the first start and hashed as every agent's is; it is also
// kept sealed in `settings` (as the demo's app key is, services/tool-keys.ts), so each start can print
// it again. It goes to the terminal only (cli/serve.ts), never to the logs (docs/livechat.md).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Deps } from '../deps.ts';
import { OperatorError } from '../errors.ts';
import { findAgentLogin, listTopics } from '../repos/livechat.ts';
import { findProjectByName } from '../repos/projects.ts';
import { findSetting, replaceSetting, setSetting } from '../repos/settings.ts';
import { passwordMatches } from '../security/passwords.ts';
import { DEMO_PROJECT } from './demo.ts';
import { createAgent, createTopic } from './livechat-setup.ts';

/** `example.com` is reserved for examples (RFC 2606): the address reaches nobody. */
export const DEMO_AGENT = { email: 'agent@example.com', fullName: 'Demo Agent' } as const;
/** Created only when the project has no topic at all. */
export const DEMO_TOPIC = 'Support';

export interface DemoLivechat {
  project: string;
  email: string;
  /** Undefined when an agent with the demo's email exists whose password the demo does not hold. */
  password: string | undefined;
  topics: string[];
}

const passwordSetting = (projectId: string) => `demo_agent:${projectId}`;
const topicClaim = (projectId: string) => `demo_topic:${projectId}`;

/** The demo's topic and agent, created when missing; undefined without the demo's project. */
export async function ensureDemoLivechat(deps: Deps): Promise<DemoLivechat | undefined> {
  const project = await findProjectByName(deps.db, DEMO_PROJECT);
  if (project === undefined) return undefined;
  let topics = await listTopics(deps.db, project.id);
  // Several nodes starting at once on an empty database: the one that claims the setting creates it.
  if (topics.length === 0 && (await replaceSetting(deps.db, topicClaim(project.id), undefined, String(deps.clock.now())))) {
    await createTopic(deps, project.id, DEMO_TOPIC);
    topics = await listTopics(deps.db, project.id);
  }
  const password = await demoAgentPassword(deps, project.id);
  return { project: project.name, email: DEMO_AGENT.email, password, topics: topics.map((t) => t.name) };
}

/** The kept password if it opens and is still the agent's; 'none' when nothing is kept (yet). */
async function keptPassword(deps: Deps, projectId: string, hash: string): Promise<string | undefined | 'none'> {
  const stored = await findSetting(deps.db, passwordSetting(projectId));
  if (stored === undefined) return 'none';
  const password = deps.webhooks.box.open(stored);
  return password !== undefined && (await passwordMatches(password, hash)) ? password : undefined;
}

async function demoAgentPassword(deps: Deps, projectId: string): Promise<string | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const login = await findAgentLogin(deps.db, projectId, DEMO_AGENT.email);
    if (login !== undefined) {
      const kept = await keptPassword(deps, projectId, login.passwordHash);
      if (kept !== 'none') return kept;
      // Another node may have created the agent and not kept its password yet; otherwise the agent is
      // not the demo's (created with the CLI), and its password is whatever was chosen then.
      await sleep(200);
      continue;
    }
    // 16 characters of base64url: 96 random bits.
    const password = randomBytes(12).toString('base64url');
    try {
      await createAgent(deps, projectId, { ...DEMO_AGENT, password, topicIds: [] });
    } catch (err) {
      // The email is unique per project: another node created the agent first.
      if (err instanceof OperatorError) continue;
      throw err;
    }
    await setSetting(deps.db, passwordSetting(projectId), deps.webhooks.box.seal(password));
    return password;
  }
  return undefined;
}
