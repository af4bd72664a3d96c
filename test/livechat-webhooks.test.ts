// Case webhook events (issue #13): case.created, case.assigned (take, hand-over, auto-assignment),
// case.updated, case.resolved, case.rated and case.reopened reach the company's receiver once each,
// signed, in the order of the case's changes; a refused action announces nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Agent, Topic } from '../src/repos/livechat.ts';
import { findUserById } from '../src/repos/users.ts';
import { listDeliveries } from '../src/repos/webhooks.ts';
import { markCaseJunk, reopenCase, setCaseRemark } from '../src/services/case-agent.ts';
import { handOverCase, takeCase } from '../src/services/case-assignment.ts';
import { closeCase } from '../src/services/cases.ts';
import { createAgent, createTopic } from '../src/services/livechat-setup.ts';
import { createEndpoint } from '../src/services/webhooks.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { ChatSocket, listen, loginUser, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { type CaseData, type Visitor, signInVisitor, visitorCall } from './support/livechat.ts';
import { type Received, WebhookReceiver } from './support/webhook-receiver.ts';

type Body = { organizationID: string; type: string } & Record<string, Record<string, unknown>>;

await eachDialect(describe, 'Live Chat case webhooks', (dialect) => {
  let t: TestApp;
  let base: string;
  let receiver: WebhookReceiver;
  let endpointId: string;
  let topic: Topic;
  let ann: Agent;
  let bob: Agent;
  let visitor: Visitor;
  let socket: ChatSocket | undefined;

  before(async () => {
    t = await createTestApp(dialect, { PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true', PARLEY_ASSIGN_INTERVAL: '0' });
    base = await listen(t);
    receiver = await WebhookReceiver.start();
    // No --events: every event, the case events among them.
    const endpoint = await createEndpoint(t.deps, t.project.projectID, receiver.url, undefined);
    receiver.secret = endpoint.secret;
    endpointId = endpoint.id;
    topic = await createTopic(t.deps, t.project.projectID, 'Billing');
    const agent = (email: string, fullName: string) =>
      createAgent(t.deps, t.project.projectID, { email, fullName, password: 'correct horse battery', topicIds: [] });
    ann = await agent('ann@example.com', 'Ann');
    bob = await agent('bob@example.com', 'Bob');
    visitor = await signInVisitor(t, 'Clara');
  });
  after(async () => {
    await socket?.close();
    await receiver.close();
    await t.close();
  });

  const open = async () => {
    const res = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID: topic.id, message: 'help' });
    assert.equal(res.status, 200, JSON.stringify(res.error));
    return res.data.case;
  };
  const rate = (id: number) => visitorCall(t, visitor, 'client/case/rate', { id, rating: 4, note: 'ok' });
  /** The case events received about one case, in the order they arrived. */
  const about = (id: number) => receiver.received.filter((r) => r.event.startsWith('case.') && caseOf(r) === id);
  const caseOf = (r: Received) => {
    const body = r.json as Body;
    return Object.values(body).find((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)?.id;
  };
  const outbox = async (id: number) =>
    (await listDeliveries(t.deps.db, { endpointId, limit: 1000 })).filter((d) => d.event.startsWith('case.') && d.orderKey === `case:${id}`).length;

  it('a case’s life, each event once, signed, in order; refusals and no-op changes announce nothing', async () => {
    const c = await open();
    await takeCase(t.deps, t.project.projectID, c.id, ann.id);
    await assert.rejects(handOverCase(t.deps, t.project.projectID, c.id, bob.id, ann.id), { code: '40301' });
    await handOverCase(t.deps, t.project.projectID, c.id, ann.id, bob.id);
    await takeCase(t.deps, t.project.projectID, c.id, bob.id); // already Bob's: no change
    await assert.rejects(setCaseRemark(t.deps, t.project.projectID, c.id, ann.id, 'not hers'), { code: '40301' });
    await setCaseRemark(t.deps, t.project.projectID, c.id, bob.id, 'vip');
    await setCaseRemark(t.deps, t.project.projectID, c.id, bob.id, 'vip'); // the same again: no change
    await markCaseJunk(t.deps, t.project.projectID, c.id, bob.id, true);
    assert.equal((await rate(c.id)).error.code, '40922', 'an open case cannot be rated');
    await assert.rejects(closeCase(t.deps, t.project.projectID, c.id, { by: 'agent', agentId: ann.id }), { code: '40301' });
    await closeCase(t.deps, t.project.projectID, c.id, { by: 'agent', agentId: bob.id });
    await closeCase(t.deps, t.project.projectID, c.id, { by: 'agent', agentId: bob.id }); // already closed
    assert.equal((await rate(c.id)).status, 200);
    assert.equal((await rate(c.id)).error.code, '40923', 'rated once');
    await assert.rejects(takeCase(t.deps, t.project.projectID, c.id, ann.id), { code: '40921' });
    await reopenCase(t.deps, t.project.projectID, c.id, bob.id);

    const expected = ['case.created', 'case.assigned', 'case.assigned', 'case.updated', 'case.updated', 'case.resolved', 'case.rated', 'case.reopened'];
    // In order per case: anything a refusal had announced would arrive before the last event.
    await receiver.until(() => about(c.id).some((r) => r.event === 'case.reopened'));
    const got = about(c.id);
    assert.deepEqual(
      got.map((r) => r.event),
      expected,
    );
    assert.equal(await outbox(c.id), expected.length, 'one delivery per change in the outbox');
    assert.ok(
      got.every((r) => r.valid),
      'every one signed with the endpoint’s secret',
    );
    assert.equal(new Set(got.map((r) => r.id)).size, expected.length, 'each its own webhook-id');

    const bodies = got.map((r) => r.json as Body);
    assert.deepEqual(
      bodies.map((b) => b.type),
      ['case_created', 'case_assigned', 'case_assigned', 'case_updated', 'case_updated', 'case_resolved', 'case_rated', 'case_reopened'],
    );
    assert.ok(bodies.every((b) => b.organizationID === t.project.projectID));
    const [created, taken, handed, remark, junk, , rated, reopened] = bodies as [Body, Body, Body, Body, Body, Body, Body, Body];
    assert.deepEqual(
      [created.caseCreated?.id, created.caseCreated?.stringID, created.caseCreated?.agentAccountID, created.caseCreated?.topicName],
      [c.id, c.stringID, 0, 'Billing'],
    );
    assert.equal((created.caseCreated?.contact as { fullName: string } | undefined)?.fullName, 'Clara');
    assert.deepEqual(
      [taken.caseAssigned?.agentAccountID, taken.caseAssigned?.agentEmail, taken.caseAssigned?.assignment, taken.caseAssigned?.previousAgentAccountID],
      [ann.id, 'ann@example.com', 'take', 0],
    );
    assert.deepEqual(
      [
        handed.caseAssigned?.agentAccountID,
        handed.caseAssigned?.assignment,
        handed.caseAssigned?.previousAgentAccountID,
        handed.caseAssigned?.previousAgentFullName,
      ],
      [bob.id, 'handOver', ann.id, 'Ann'],
    );
    assert.deepEqual([remark.caseUpdated?.changed, remark.caseUpdated?.agentRemark], [['agentRemark'], 'vip']);
    assert.deepEqual([junk.caseUpdated?.changed, junk.caseUpdated?.isJunk], [['isJunk'], true]);
    assert.deepEqual([rated.caseRated?.rating, rated.caseRated?.ratingNote, rated.caseRated?.isClosed], [4, 'ok', true]);
    assert.deepEqual([reopened.caseReopened?.isClosed, reopened.caseReopened?.rating], [false, 4]);
  });

  it('auto-assignment: created then assigned (“auto”) for a case opened while an agent is online, and for a waiting case when one comes online', async () => {
    const waiting = await open();
    const xcUserID = (await findUserById(t.deps.db, t.project.projectID, ann.userId))?.xcUserID as string;
    const user = await loginUser(t, 'Ann', xcUserID);
    socket = await ChatSocket.open(socketUrl(base, t.project.appKey.header, user.accessToken));
    const atOnce = await open();
    assert.equal(atOnce.agentAccountID, ann.id);
    await receiver.until(() => about(waiting.id).length >= 2 && about(atOnce.id).length >= 2);
    for (const c of [waiting, atOnce]) {
      const got = about(c.id);
      assert.deepEqual(
        got.map((r) => r.event),
        ['case.created', 'case.assigned'],
      );
      const assigned = (got[1]?.json as Body | undefined)?.caseAssigned;
      assert.deepEqual([assigned?.agentAccountID, assigned?.assignment, assigned?.previousAgentAccountID], [ann.id, 'auto', 0]);
      assert.equal(await outbox(c.id), 2);
    }
  });
});
