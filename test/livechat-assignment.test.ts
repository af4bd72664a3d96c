// Live Chat assignment (issue #13): a new case goes to an online agent of its topic with the fewest open
// cases, waits when nobody is online until an agent of its topic comes online, and agents take and hand
// over cases; presence is the chat's. Across nodes, and the round: livechat-backlog.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findCase } from '../src/repos/cases.ts';
import type { Agent, Topic } from '../src/repos/livechat.ts';
import { listChangedBetween } from '../src/repos/messages.ts';
import { listMembers } from '../src/repos/rooms.ts';
import { findUserById } from '../src/repos/users.ts';
import { assignWaitingCase, handOverCase, takeCase } from '../src/services/case-assignment.ts';
import { handOutWaitingCases, runBacklogRound } from '../src/services/case-backlog.ts';
import { closeCase } from '../src/services/cases.ts';
import { createAgent, createTopic } from '../src/services/livechat-setup.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { type ChatUser, ChatSocket, clientCall, listen, loginUser, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { type CaseData, type Visitor, signInVisitor, visitorCall } from './support/livechat.ts';

/** Waits for a condition the socket's open or close brings about (fails after many looks, never hangs). */
async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), what);
}

await eachDialect(describe, 'Live Chat assignment', (dialect) => {
  let t: TestApp;
  let base: string;
  let billing: Topic;
  let delivery: Topic;
  let ann: Agent;
  let bob: Agent;
  let dora: Agent;
  let visitor: Visitor;
  const sockets = new Map<number, ChatSocket>();
  const users = new Map<number, ChatUser>();

  before(async () => {
    // No round: what these tests see comes from presence alone.
    t = await createTestApp(dialect, { PARLEY_ASSIGN_INTERVAL: '0' });
    t.clock.now = () => Date.now();
    base = await listen(t);
    billing = await createTopic(t.deps, t.project.projectID, 'Billing');
    delivery = await createTopic(t.deps, t.project.projectID, 'Delivery');
    const agent = (email: string, fullName: string, topicIds: number[] = []) =>
      createAgent(t.deps, t.project.projectID, { email, fullName, password: 'correct horse battery', topicIds });
    ann = await agent('ann@example.com', 'Ann');
    bob = await agent('bob@example.com', 'Bob');
    dora = await agent('dora@example.com', 'Dora', [delivery.id]);
    visitor = await signInVisitor(t);
  });
  after(async () => {
    for (const ws of sockets.values()) await ws.close();
    await t.close();
  });

  /** The agent opens the inbox's socket: online as the chat sees it, on every node. */
  async function comeOnline(agent: Agent) {
    const already = users.get(agent.id);
    if (already !== undefined && sockets.has(agent.id)) return already;
    const xcUserID = (await findUserById(t.deps.db, t.project.projectID, agent.userId))?.xcUserID as string;
    const user = await loginUser(t, agent.fullName, xcUserID);
    assert.equal(user.userID, String(agent.userId), 'the agent’s chat user');
    sockets.set(agent.id, await ChatSocket.open(socketUrl(base, t.project.appKey.header, user.accessToken)));
    await until(() => t.deps.chat.hub.isOnline(t.project.projectID, agent.userId), `${agent.fullName} online`);
    users.set(agent.id, user);
    return user;
  }
  async function goOffline(agent: Agent) {
    await sockets.get(agent.id)?.close();
    sockets.delete(agent.id);
    await until(() => !t.deps.chat.hub.isOnline(t.project.projectID, agent.userId), `${agent.fullName} offline`);
  }
  const open = async (topic = billing) => {
    const res = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID: topic.id, message: 'help' });
    assert.equal(res.status, 200, JSON.stringify(res.error));
    return res.data.case;
  };
  const members = async (caseId: number) => (await listMembers(t.deps.db, t.project.projectID, `case:${caseId}`)).map((m) => m.userId).sort();

  const said = async (user: ChatUser, caseId: number) =>
    (
      await clientCall<{ messages: Array<{ type: number; user: { userID: string } }> }>(t, user, '/v1/chat/message/list_by_room/before', {
        roomID: `case:${caseId}`,
        maxCreated: 0,
        limit: 10,
      })
    ).data.messages.reverse();

  it('with no agent online, a case waits unassigned; the agent connecting a chat socket gets it, and the room hears 3006 once', async () => {
    const c = await open();
    assert.deepEqual([c.agentAccountID, c.agentFullName], [0, '']);
    assert.equal((await members(c.id)).length, 1, 'only the visitor is in its room');
    const annUser = await comeOnline(ann);
    let messages = await said(annUser, c.id).catch(() => []);
    for (let i = 0; i < 500 && !messages.some((m) => m.type === 3006); i++) {
      await new Promise((r) => setTimeout(r, 10));
      messages = await said(annUser, c.id).catch(() => []);
    }
    assert.equal((await findCase(t.deps.db, t.project.projectID, c.id))?.agentId, ann.id, 'the waiting case went to Ann');
    assert.ok((await members(c.id)).includes(ann.userId), 'Ann joined its room');
    // Another look (a round, another node) finds nothing waiting: nothing is said twice.
    assert.equal(await handOutWaitingCases(t.deps, t.project.projectID), 0);
    assert.equal(await runBacklogRound(t.deps), 0);
    messages = await said(annUser, c.id);
    assert.deepEqual(
      messages.map((m) => m.type),
      [1001, 3005, 3006],
    );
    assert.equal(messages[2]?.user.userID, String(ann.userId), '3006 comes from the agent');
  });

  it('an online agent gets a new case at once and joins its room; the room hears 3006 with the agent’s name', async () => {
    const annUser = await comeOnline(ann);
    const c = await open();
    assert.deepEqual([c.agentAccountID, c.agentFullName], [ann.id, 'Ann']);
    const visitorUser = (await findCase(t.deps.db, t.project.projectID, c.id))?.userId as number;
    assert.deepEqual(await members(c.id), [ann.userId, visitorUser].sort());
    const messages = await said(annUser, c.id);
    assert.deepEqual(
      messages.map((m) => m.type),
      [1001, 3005, 3006],
    );
    assert.equal(messages[2]?.user.userID, String(ann.userId), '3006 comes from the agent');
  });

  it('the next case goes to the online agent with the fewest open cases; one who left gets none', async () => {
    await comeOnline(bob);
    assert.equal((await open()).agentAccountID, bob.id, 'Ann has two open cases, Bob none');
    assert.equal((await open()).agentAccountID, bob.id, 'Ann two, Bob one');
    const tie = await open();
    assert.equal(tie.agentAccountID, ann.id, 'two each: the longest-standing agent');
    await goOffline(ann);
    const afterAnnLeft = await open();
    assert.equal(afterAnnLeft.agentAccountID, bob.id);
    await comeOnline(ann);
  });

  it('an agent serving other topics is not given the case; one serving its topic is', async () => {
    await goOffline(ann);
    await goOffline(bob);
    await comeOnline(dora);
    const waiting = await open(billing);
    assert.equal(waiting.agentAccountID, 0, 'Dora serves Delivery only');
    assert.equal(await runBacklogRound(t.deps), 0, 'nor does a round give it to her');
    assert.equal((await findCase(t.deps.db, t.project.projectID, waiting.id))?.agentId, null);
    assert.equal((await open(delivery)).agentAccountID, dora.id);
    await goOffline(dora);
  });

  it('take and hand over: the new agent joins, the one before leaves, 3006 each time; refusals', async () => {
    const c = await open();
    assert.equal(c.agentAccountID, 0);
    const taken = await takeCase(t.deps, t.project.projectID, c.id, ann.id);
    assert.equal(taken.agentId, ann.id);
    assert.ok((await members(c.id)).includes(ann.userId));
    await assert.rejects(handOverCase(t.deps, t.project.projectID, c.id, bob.id, dora.id), { code: '40301' });
    const handed = await handOverCase(t.deps, t.project.projectID, c.id, ann.id, bob.id);
    assert.equal(handed.agentId, bob.id);
    const now = await members(c.id);
    assert.ok(now.includes(bob.userId) && !now.includes(ann.userId), 'Ann left the room, Bob joined');

    const b = await t.newProject();
    const stranger = await createAgent(t.deps, b.projectID, { email: 'eve@example.com', fullName: 'Eve', password: 'another long one', topicIds: [] });
    await assert.rejects(takeCase(t.deps, t.project.projectID, c.id, stranger.id), { code: '40422' });
    await assert.rejects(takeCase(t.deps, t.project.projectID, 999_999, ann.id), { code: '40420' });
    await closeCase(t.deps, t.project.projectID, c.id, { by: 'agent', agentId: bob.id });
    await assert.rejects(takeCase(t.deps, t.project.projectID, c.id, ann.id), { code: '40921' });
  });
  it('a waiting case goes to an agent only if it still waits when locked: two racing handouts assign it once; a taken or closed case is left alone', async () => {
    const projectId = t.project.projectID;
    const typesIn = async (caseId: number) => (await listChangedBetween(t.deps.db, projectId, `case:${caseId}`, 0, Number.MAX_SAFE_INTEGER)).map((m) => m.type);
    const c = await open();
    assert.equal(c.agentAccountID, 0, 'nobody online');
    const results = await Promise.all([assignWaitingCase(t.deps, projectId, c.id, ann), assignWaitingCase(t.deps, projectId, c.id, bob)]);
    const winners = results.filter((r) => r !== undefined);
    assert.equal(winners.length, 1, 'one of the two assigned it');
    const owner = winners[0]?.agentId;
    assert.equal((await findCase(t.deps.db, projectId, c.id))?.agentId, owner);
    assert.equal((await typesIn(c.id)).filter((type) => type === 3006).length, 1, '3006 once');
    assert.equal(await assignWaitingCase(t.deps, projectId, c.id, owner === ann.id ? bob : ann), undefined, 'taken: left alone');
    assert.equal((await findCase(t.deps.db, projectId, c.id))?.agentId, owner);

    const closed = await open();
    assert.equal((await visitorCall(t, visitor, 'client/case/close', { id: closed.id })).status, 200);
    assert.equal(await assignWaitingCase(t.deps, projectId, closed.id, ann), undefined, 'closed: left alone');
    assert.equal((await findCase(t.deps.db, projectId, closed.id))?.agentId, null);
    assert.equal(await assignWaitingCase(t.deps, projectId, 999_999, ann), undefined, 'no such case: nothing');
  });
});
