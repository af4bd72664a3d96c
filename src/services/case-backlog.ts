// Waiting cases (open, no agent: nobody of their topic was online when they were opened) go to agents
// as they come online: when an agent's chat user comes online (its first socket on any node), and in a
// round on every serving node, which covers what presence alone misses (a presence note lost between
// nodes, a node restarted, a case opened on a node that had not yet heard the agent come online).
// Oldest first, each to the online agent of its topic with the fewest open cases; no cap per agent
// (docs/livechat.md). Two nodes may hand out the same backlog: a case is assigned only if it is still
// waiting when its row is locked (assignWaitingCase).
import type { Deps } from '../deps.ts';
import { listWaitingCases, openCasesPerAgent, projectsWithWaitingCases } from '../repos/cases.ts';
import { findAgentOfUser } from '../repos/livechat.ts';
import { assignWaitingCase, leastLoaded, onlineAgents, serves } from './case-assignment.ts';
import { CASE_MESSAGE } from './case-messages.ts';
import { type Rounds, everyRound } from './rounds.ts';

/** Waiting cases read per query. */
const BATCH = 100;

/** Hands out the project's waiting cases to its online agents; returns how many were assigned here. */
export async function handOutWaitingCases(deps: Deps, projectId: string): Promise<number> {
  const agents = await onlineAgents(deps, projectId);
  if (agents.length === 0) return 0;
  const load = new Map(
    await openCasesPerAgent(
      deps.db,
      agents.map((a) => a.id),
    ),
  );
  // Only the topics someone online serves: a backlog nobody online can take is not read.
  const topics = agents.some((a) => a.topicIds.length === 0) ? undefined : [...new Set(agents.flatMap((a) => a.topicIds))];
  let assigned = 0;
  for (let after = 0; ; ) {
    const waiting = await listWaitingCases(deps.db, projectId, topics, after, BATCH, CASE_MESSAGE.created);
    for (const c of waiting) {
      const agent = leastLoaded(
        agents.filter((a) => serves(a, c.topicId)),
        load,
      );
      if (agent === undefined) continue;
      // Undefined: another node (or another handout here) assigned it first.
      if ((await assignWaitingCase(deps, projectId, c.id, agent)) === undefined) continue;
      load.set(agent.id, (load.get(agent.id) ?? 0) + 1);
      assigned++;
    }
    if (waiting.length < BATCH) return assigned;
    after = waiting[waiting.length - 1]?.id ?? after;
  }
}

/** The hub's word that a chat user came online: if the user is an agent, their project's backlog is handed out. */
export async function userCameOnline(deps: Deps, projectId: string, userId: number): Promise<void> {
  if ((await findAgentOfUser(deps.db, projectId, userId)) === undefined) return;
  await handOutWaitingCases(deps, projectId);
}

/** One round: every project with a waiting case. */
export async function runBacklogRound(deps: Deps): Promise<number> {
  let assigned = 0;
  for (const projectId of await projectsWithWaitingCases(deps.db)) assigned += await handOutWaitingCases(deps, projectId);
  return assigned;
}

export function startCaseBacklog(deps: Deps, intervalMs: number): Rounds {
  return everyRound(deps.logger, 'waiting cases', intervalMs, () => runBacklogRound(deps));
}
