// Live Chat assignment (issue #13): a new case goes to an online agent of its topic with the fewest open
// cases, waits when nobody is online, and agents take and hand over cases; presence is the chat's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findCase } from '../src/repos/cases.ts';
import type { Agent, Topic } from '../src/repos/livechat.ts';
import { listMembers } from '../src/repos/rooms.ts';
import { findUserById } from '../src/repos/users.ts';
import { handOverCase, takeCase } from '../src/services/case-assignment.ts';
import { closeCase } from '../src/services/cases.ts';
import { createAgent, createTopic } from '../src/services/livechat-setup.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { ChatSocket, clientCall, listen, loginUser, socketUrl } from './support/chat.ts';
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

  before(async () => {
    t = await createTestApp(dialect);
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
    const xcUserID = (await findUserById(t.deps.db, t.project.projectID, agent.userId))?.xcUserID as string;
    const user = await loginUser(t, agent.fullName, xcUserID);
    assert.equal(user.userID, String(agent.userId), 'the agent’s chat user');
    sockets.set(agent.id, await ChatSocket.open(socketUrl(base, t.project.appKey.header, user.accessToken)));
    await until(() => t.deps.chat.hub.isOnline(t.project.projectID, agent.userId), `${agent.fullName} online`);
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

  it('with no agent online, a case waits unassigned: only the visitor is in its room', async () => {
    const c = await open();
    assert.deepEqual([c.agentAccountID, c.agentFullName], [0, '']);
    assert.equal((await members(c.id)).length, 1);
  });

  it('an online agent gets the case and joins its room; the room hears 3006 with the agent’s name', async () => {
    const annUser = await comeOnline(ann);
    const c = await open();
    assert.deepEqual([c.agentAccountID, c.agentFullName], [ann.id, 'Ann']);
    const visitorUser = (await findCase(t.deps.db, t.project.projectID, c.id))?.userId as number;
    assert.deepEqual(await members(c.id), [ann.userId, visitorUser].sort());
    const said = await clientCall<{ messages: Array<{ type: number; user: { userID: string } }> }>(t, annUser, '/v1/chat/message/list_by_room/before', {
      roomID: `case:${c.id}`,
      maxCreated: 0,
      limit: 10,
    });
    assert.deepEqual(said.data.messages.map((m) => m.type).reverse(), [1001, 3005, 3006]);
    assert.equal(said.data.messages[0]?.user.userID, String(ann.userId), '3006 comes from the agent');
  });

  it('the next case goes to the online agent with the fewest open cases; one who left gets none', async () => {
    await comeOnline(bob);
    const toBob = await open();
    assert.equal(toBob.agentAccountID, bob.id, 'Ann has one open case, Bob none');
    const tie = await open();
    assert.equal(tie.agentAccountID, ann.id, 'one each: the longest-standing agent');
    await goOffline(ann);
    const afterAnnLeft = await open();
    assert.equal(afterAnnLeft.agentAccountID, bob.id);
    await comeOnline(ann);
  });

  it('an agent serving other topics is not given the case; one serving its topic is', async () => {
    await goOffline(ann);
    await goOffline(bob);
    await comeOnline(dora);
    assert.equal((await open(billing)).agentAccountID, 0, 'Dora serves Delivery only');
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
});
