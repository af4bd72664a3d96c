// Waiting Live Chat cases across nodes (issue #13): a case opened on node a while its agent was away goes
// to the agent when they connect on node b (presence crosses through the broker); and the round on every
// node hands out what presence missed. Nodes that share no broker stand in for a lost presence note (the
// broker is at-most-once): the node where the cases are opened never hears that the agents are online.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { findCase } from '../src/repos/cases.ts';
import type { Agent, Topic } from '../src/repos/livechat.ts';
import { findUserById } from '../src/repos/users.ts';
import { runBacklogRound } from '../src/services/case-backlog.ts';
import { sendCaseEvent } from '../src/services/case-messages.ts';
import { createAgent, createTopic } from '../src/services/livechat-setup.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { ChatSocket, listen, loginUser, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { eventually as waitFor } from './support/eventually.ts';
import { type CaseData, type Visitor, signInVisitor, visitorCall } from './support/livechat.ts';

/** Polls until `check` holds: presence and rounds act in the background (fails after many looks). */
const eventually = (what: string, check: () => Promise<boolean>) => waitFor(what, check, 500);

/** Two nodes on one database; `b` listens (agents' sockets go there), `a` is where visitors open cases. */
function twoNodes(dialect: 'sqlite' | 'postgres', envA: Record<string, string>, envB: Record<string, string>) {
  const nodes = {
    a: undefined as unknown as TestApp,
    b: undefined as unknown as TestApp,
    baseB: '',
    billing: undefined as unknown as Topic,
    visitor: undefined as unknown as Visitor,
    sockets: [] as ChatSocket[],
  };
  before(async () => {
    nodes.a = await createTestApp(dialect, envA);
    nodes.b = await createTestApp(dialect, { ...envB, PARLEY_DATABASE_URL: nodes.a.databaseUrl });
    nodes.baseB = await listen(nodes.b);
    nodes.billing = await createTopic(nodes.a.deps, nodes.a.project.projectID, 'Billing');
    nodes.visitor = await signInVisitor(nodes.a);
  });
  after(async () => {
    for (const s of nodes.sockets) await s.close();
    await nodes.b.close();
    await nodes.a.close();
  });
  const projectId = () => nodes.a.project.projectID;
  return {
    nodes,
    agent: (email: string, fullName: string) => createAgent(nodes.a.deps, projectId(), { email, fullName, password: 'correct horse battery', topicIds: [] }),
    /** The agent's chat socket on node b (their token comes from node a: tokens work on every node). */
    onlineOnB: async (agent: Agent) => {
      const xcUserID = (await findUserById(nodes.a.deps.db, projectId(), agent.userId))?.xcUserID as string;
      const user = await loginUser(nodes.a, agent.fullName, xcUserID);
      nodes.sockets.push(await ChatSocket.open(socketUrl(nodes.baseB, nodes.a.project.appKey.header, user.accessToken)));
      await eventually(`${agent.fullName} online on b`, async () => nodes.b.deps.chat.hub.isOnline(projectId(), agent.userId));
    },
    openOnA: async () => {
      const res = await visitorCall<{ case: CaseData }>(nodes.a, nodes.visitor, 'client/case/create', { topicID: nodes.billing.id, message: 'help' });
      assert.equal(res.status, 200, JSON.stringify(res.error));
      return res.data.case;
    },
    agentOf: async (caseId: number) => (await findCase(nodes.a.deps.db, projectId(), caseId))?.agentId ?? null,
    /**
     * The types of the case room's messages in the order they were stored (not by their last change: a
     * 3005 changed after the 3006 was written, or in the same millisecond, came after it: a flaky list).
     */
    said: async (caseId: number) =>
      (
        await nodes.a.deps.db
          .selectFrom('messages')
          .select('type')
          .where('project_id', '=', projectId())
          .where('room_id', '=', `case:${caseId}`)
          .orderBy('id')
          .execute()
      ).map((m) => m.type),
  };
}

await eachDialect(describe, 'a waiting case and an agent on another node', (dialect) => {
  const env = {
    PARLEY_REDIS_URL: 'redis://127.0.0.1:6379',
    PARLEY_REDIS_PREFIX: `parley-backlog-${randomBytes(4).toString('hex')}:`,
    PARLEY_BROKER: 'redis',
    // No round: the case must come through presence.
    PARLEY_ASSIGN_INTERVAL: '0',
  };
  const n = twoNodes(dialect, env, env);

  it('the agent connecting on node b gets the case opened on node a while they were away; the room hears 3006 once', async () => {
    const ann = await n.agent('ann@example.com', 'Ann');
    const c = await n.openOnA();
    assert.equal(c.agentAccountID, 0, 'nobody online: it waits');
    await n.onlineOnB(ann);
    await eventually('the case goes to Ann', async () => (await n.agentOf(c.id)) === ann.id && (await n.said(c.id)).includes(3006));
    // Node a heard Ann come online through the broker; neither node's round finds anything left to do.
    await eventually('node a hears Ann is online', async () => n.nodes.a.deps.chat.hub.isOnline(n.nodes.a.project.projectID, ann.userId));
    assert.equal(await runBacklogRound(n.nodes.a.deps), 0);
    assert.equal(await runBacklogRound(n.nodes.b.deps), 0);
    assert.deepEqual(await n.said(c.id), [1001, 3005, 3006]);
  });
});

await eachDialect(describe, 'waiting cases handed out by the round', (dialect) => {
  // No broker between the nodes: a never learns who is online on b. Only b runs the round.
  const n = twoNodes(dialect, { PARLEY_ASSIGN_INTERVAL: '0' }, { PARLEY_ASSIGN_INTERVAL: '100' });

  it('two agents online share three waiting cases by load, oldest first; each room hears 3006 once', async () => {
    const ann = await n.agent('ann@example.com', 'Ann');
    const bob = await n.agent('bob@example.com', 'Bob');
    await n.onlineOnB(ann);
    await n.onlineOnB(bob);
    const cases = [await n.openOnA(), await n.openOnA(), await n.openOnA()];
    assert.deepEqual(
      cases.map((c) => c.agentAccountID),
      [0, 0, 0],
      'node a sees nobody online',
    );
    await eventually('the round hands them out', async () => {
      for (const c of cases) if ((await n.agentOf(c.id)) === null || !(await n.said(c.id)).includes(3006)) return false;
      return true;
    });
    const owners = await Promise.all(cases.map((c) => n.agentOf(c.id)));
    assert.deepEqual(owners, [ann.id, bob.id, ann.id], 'none each: Ann (the longest-standing); then Bob (fewer); then a tie again: Ann');
    assert.equal(await runBacklogRound(n.nodes.b.deps), 0, 'nothing waits any more');
    for (const c of cases) assert.deepEqual(await n.said(c.id), [1001, 3005, 3006]);
  });
});

await eachDialect(describe, 'a case not yet announced', (dialect) => {
  // No broker and no round of their own: the test runs b's round by hand.
  const n = twoNodes(dialect, { PARLEY_ASSIGN_INTERVAL: '0' }, { PARLEY_ASSIGN_INTERVAL: '0' });

  it('is handed out only once its room heard 3005, so the room never hears 3006 first', async () => {
    const cat = await n.agent('cat@example.com', 'Cat');
    await n.onlineOnB(cat);
    const opened = await n.openOnA();
    const projectId = n.nodes.a.project.projectID;
    // As between the case's commit and its 3005: the announcement not stored yet.
    await n.nodes.a.deps.db.deleteFrom('messages').where('room_id', '=', `case:${opened.id}`).where('type', '=', 3005).execute();
    assert.equal(await runBacklogRound(n.nodes.b.deps), 0, 'not handed out before its 3005');
    assert.equal(await n.agentOf(opened.id), null);
    const stored = await findCase(n.nodes.a.deps.db, projectId, opened.id);
    assert.ok(stored);
    await sendCaseEvent(n.nodes.a.deps, stored, 'created', stored.userId);
    assert.equal(await runBacklogRound(n.nodes.b.deps), 1);
    assert.equal(await n.agentOf(opened.id), cat.id);
    assert.deepEqual(await n.said(opened.id), [1001, 3005, 3006]);
  });
});

it('PARLEY_ASSIGN_INTERVAL: milliseconds from 0 (this node runs no round) to 600000, default 10000', () => {
  const problems = (value: string) => {
    try {
      loadConfig({ PARLEY_ASSIGN_INTERVAL: value });
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
  };
  for (const bad of ['soon', '-1', '600001', '1.5']) assert.match(problems(bad).join('\n'), /^PARLEY_ASSIGN_INTERVAL: /, bad);
  assert.equal(loadConfig({}).assignInterval, 10_000);
  assert.equal(loadConfig({ PARLEY_ASSIGN_INTERVAL: '0' }).assignInterval, 0);
});
