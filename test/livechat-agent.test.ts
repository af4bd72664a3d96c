// What an agent does to a case (issue #13; the inbox of the next landing calls these services): reply,
// remark, junk, close and reopen, each seen by the visitor as OneTalk's messages, each refused when the
// case is not the agent's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newLocalId } from '../src/chat/cipher.ts';
import { decryptContent } from '../src/chat/cipher.ts';
import type { Agent, Topic } from '../src/repos/livechat.ts';
import { markCaseJunk, reopenCase, replyToCase, setCaseRemark } from '../src/services/case-agent.ts';
import { takeCase } from '../src/services/case-assignment.ts';
import { closeCase } from '../src/services/cases.ts';
import { createAgent, createTopic } from '../src/services/livechat-setup.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { clientCall } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { type CaseData, signInVisitor, visitorCall, visitorChatUser } from './support/livechat.ts';

await eachDialect(describe, 'Live Chat agent actions', (dialect) => {
  let t: TestApp;
  let topic: Topic;
  let ann: Agent;
  let bob: Agent;
  before(async () => {
    t = await createTestApp(dialect);
    t.clock.now = () => Date.now();
    topic = await createTopic(t.deps, t.project.projectID, 'Support');
    ann = await createAgent(t.deps, t.project.projectID, { email: 'ann@example.com', fullName: 'Ann', password: 'a long passphrase', topicIds: [] });
    bob = await createAgent(t.deps, t.project.projectID, { email: 'bob@example.com', fullName: 'Bob', password: 'a long passphrase', topicIds: [] });
  });
  after(() => t.close());

  it('reply, remark, junk, close, reopen: the visitor sees each; the first reply is the first response', async () => {
    const visitor = await signInVisitor(t);
    const opened = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID: topic.id, message: 'Where is my parcel?' });
    const id = opened.data.case.id;
    const p = t.project.projectID;

    await assert.rejects(replyToCase(t.deps, p, id, ann.id, { kind: 'text', text: 'not yet mine' }), { code: '40301' });
    await takeCase(t.deps, p, id, ann.id);
    await replyToCase(t.deps, p, id, ann.id, { kind: 'text', text: 'On its way!', localID: newLocalId() });
    await replyToCase(t.deps, p, id, ann.id, { kind: 'text', text: 'Arrives tomorrow.' });
    await assert.rejects(replyToCase(t.deps, p, id, bob.id, { kind: 'text', text: 'me too' }), { code: '40301' });
    await setCaseRemark(t.deps, p, id, ann.id, 'VIP customer');
    await setCaseRemark(t.deps, p, id, ann.id, 'VIP customer');
    await markCaseJunk(t.deps, p, id, ann.id, true);
    await closeCase(t.deps, p, id, { by: 'agent', agentId: ann.id });
    await assert.rejects(replyToCase(t.deps, p, id, ann.id, { kind: 'text', text: 'too late' }), { code: '40921' });
    await assert.rejects(reopenCase(t.deps, p, id, bob.id), { code: '40301' });
    const reopened = await reopenCase(t.deps, p, id, ann.id);
    assert.deepEqual([reopened.status, reopened.closedAt], ['open', null]);

    const seen = await visitorCall<{
      case: CaseData & { firstResponseAgentFullName: string; firstResponseTime: number; agentRemark: string; isJunk: boolean };
    }>(t, visitor, 'client/case/get_by_id', { id });
    const c = seen.data.case;
    assert.deepEqual([c.isClosed, c.agentFullName, c.firstResponseAgentFullName, c.agentRemark, c.isJunk], [false, 'Ann', 'Ann', 'VIP customer', true]);
    assert.ok(c.firstResponseTime > 0);
    assert.equal(c.tapTalkRoom?.unreadCount, 8, 'everything the agent said since: 3006, two replies, 3007 twice, 3001, 3003, 3002');

    const chat = await visitorChatUser(t, visitor);
    const list = await clientCall<{ messages: Array<{ type: number; body: string; localID: string }> }>(t, chat, '/v1/chat/message/list_by_room/before', {
      roomID: `case:${id}`,
      maxCreated: 0,
      limit: 50,
    });
    const said = list.data.messages.reverse();
    assert.deepEqual(
      said.map((m) => m.type),
      [1001, 3005, 3006, 1001, 1001, 3007, 3007, 3001, 3003, 3002],
      'one 3007 per change: the same remark twice said it once',
    );
    assert.equal(decryptContent(said[3]?.body ?? '', said[3]?.localID ?? ''), 'On its way!');
    const sent = await visitorCall(t, visitor, 'client/case/send_message', { id, localID: newLocalId(), messageType: 'text', text: 'Thanks' });
    assert.equal(sent.status, 200, 'a reopened case takes messages again');
  });
});
