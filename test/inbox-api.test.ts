// The agents' inbox API (issue #13): cookie sessions with CSRF tokens, and an agent answering a case
// through it; each refusal in the documented envelope. On both databases.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Agent, Topic } from '../src/repos/livechat.ts';
import { createAgent, createTopic } from '../src/services/livechat-setup.ts';
import { createEndpoint } from '../src/services/webhooks.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { eachDialect } from './support/databases.ts';
import { type AgentSession, inboxCall, signInAgent } from './support/inbox.ts';
import { type CaseData, signInVisitor, visitorCall } from './support/livechat.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';

const PASSWORD = 'a long passphrase';

interface InboxCase {
  id: number;
  mine: boolean;
  isClosed: boolean;
  isJunk: boolean;
  agentRemark: string;
  agentFullName: string;
  contact: { fullName: string; email: string; customerUserID: string };
}
interface CaseAnswer {
  case: InboxCase;
  messages: Array<{ type: number; text: string; fromVisitor: boolean; senderName: string }>;
}
interface ListAnswer {
  topics: Array<{ topicID: number; topicName: string; cases: Array<InboxCase & { lastMessage: { text: string } | null; unreadCount: number }> }>;
}

await eachDialect(describe, 'inbox API', (dialect) => {
  let t: TestApp;
  let topic: Topic;
  let ann: Agent;
  let bob: Agent;
  let annS: AgentSession;
  let bobS: AgentSession;
  const code = (res: { body: { error: { code: string } } }) => res.body.error.code;

  before(async () => {
    t = await createTestApp(dialect, { PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true' });
    t.clock.now = () => Date.now();
    topic = await createTopic(t.deps, t.project.projectID, 'Support');
    ann = await createAgent(t.deps, t.project.projectID, { email: 'ann@example.com', fullName: 'Ann', password: PASSWORD, topicIds: [] });
    bob = await createAgent(t.deps, t.project.projectID, { email: 'bob@example.com', fullName: 'Bob', password: PASSWORD, topicIds: [] });
    annS = await signInAgent(t, t.project.projectID, 'Ann@Example.com', PASSWORD);
    bobS = await signInAgent(t, t.project.projectID, 'bob@example.com', PASSWORD);
  });
  after(() => t.close());

  it('login: a cookie that is HttpOnly, SameSite=Strict, Path=/inbox (Secure over https); wrong passwords and unknown agents alike are 40130', async () => {
    const res = await inboxCall(t, undefined, 'login', { project: t.project.projectID, email: 'ann@example.com', password: PASSWORD });
    assert.equal(res.status, 200);
    assert.match(res.setCookie ?? '', /^parley_inbox=ags_[0-9a-z]{26}\.[\w-]{43}; Path=\/inbox; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    const https = await inboxCall(
      t,
      undefined,
      'login',
      { project: t.project.projectID, email: 'ann@example.com', password: PASSWORD },
      { 'x-forwarded-proto': 'https' },
    );
    assert.doesNotMatch(https.setCookie ?? '', /Secure/, 'X-Forwarded-Proto is believed only from a trusted proxy');
    for (const body of [
      { project: t.project.projectID, email: 'ann@example.com', password: 'not the passphrase' },
      { project: t.project.projectID, email: 'nobody@example.com', password: PASSWORD },
      { project: 'prj_unknown', email: 'ann@example.com', password: PASSWORD },
    ]) {
      const refused = await inboxCall(t, undefined, 'login', body);
      assert.deepEqual([refused.status, code(refused), refused.setCookie], [401, '40130', undefined]);
    }
    const missing = await inboxCall(t, undefined, 'login', { project: t.project.projectID, email: 'ann@example.com' });
    assert.deepEqual([missing.status, code(missing), missing.body.error.field], [400, '40002', 'password']);
    const other = await t.newProject();
    const b = await inboxCall(t, undefined, 'login', { project: other.projectID, email: 'ann@example.com', password: PASSWORD });
    assert.equal(code(b), '40130', 'an agent of another project is unknown there');
  });

  it('Secure behind a trusted proxy that says https', async () => {
    const proxied = await createTestApp(dialect, { PARLEY_TRUST_PROXY: '127.0.0.1' });
    try {
      await createAgent(proxied.deps, proxied.project.projectID, { email: 'ann@example.com', fullName: 'Ann', password: PASSWORD, topicIds: [] });
      const res = await inboxCall(
        proxied,
        undefined,
        'login',
        { project: proxied.project.projectID, email: 'ann@example.com', password: PASSWORD },
        { 'x-forwarded-proto': 'https' },
      );
      assert.match(res.setCookie ?? '', /; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await proxied.close();
    }
  });

  it('me answers the agent and the CSRF token; logout ends the session', async () => {
    const s = await signInAgent(t, t.project.projectID, 'ann@example.com', PASSWORD);
    const me = await inboxCall<{ agent: { agentID: number; fullName: string }; csrfToken: string }>(t, s, 'GET me');
    assert.deepEqual([me.status, me.body.data.agent.agentID, me.body.data.agent.fullName, me.body.data.csrfToken], [200, ann.id, 'Ann', s.csrf]);
    const out = await inboxCall(t, s, 'logout');
    assert.equal(out.status, 200);
    assert.match(out.setCookie ?? '', /^parley_inbox=; Path=\/inbox; Max-Age=0;/);
    const after = await inboxCall(t, s, 'GET me');
    assert.deepEqual([after.status, code(after)], [401, '40132']);
    const nobody = await inboxCall<{ agent: null }>(t, undefined, 'GET me');
    assert.deepEqual([nobody.status, nobody.body.data.agent], [200, null], 'without a cookie, me says nobody is signed in');
  });

  it('refuses no cookie, a bad cookie, an expired session, a missing or wrong CSRF header, another origin', async () => {
    const cases: Array<[string, Parameters<typeof inboxCall>, number, string]> = [
      ['no cookie', [t, undefined, 'GET cases'], 401, '40131'],
      ['no cookie (POST)', [t, undefined, 'case/get', { id: 1 }], 401, '40131'],
      ['malformed cookie', [t, { cookie: 'junk', csrf: annS.csrf }, 'GET cases'], 401, '40132'],
      ['unknown session', [t, { cookie: `ags_01hzzzzzzzzzzzzzzzzzzzzzzz.${'A'.repeat(43)}`, csrf: annS.csrf }, 'GET cases'], 401, '40132'],
      ['right id, wrong secret', [t, { cookie: `${annS.cookie.split('.')[0]}.${'A'.repeat(43)}`, csrf: annS.csrf }, 'GET cases'], 401, '40132'],
      ['no CSRF header', [t, annS, 'case/get', { id: 1 }, { 'x-parley-csrf': undefined }], 403, '40330'],
      ['another session’s CSRF token', [t, annS, 'case/get', { id: 1 }, { 'x-parley-csrf': bobS.csrf }], 403, '40330'],
      ['another origin', [t, annS, 'case/get', { id: 1 }, { origin: 'https://evil.example' }], 403, '40330'],
      ['a cross-site fetch', [t, annS, 'case/get', { id: 1 }, { 'sec-fetch-site': 'cross-site' }], 403, '40330'],
      ['login from another origin', [t, undefined, 'login', { project: 'x', email: 'y', password: 'z' }, { origin: 'https://evil.example' }], 403, '40330'],
    ];
    for (const [what, args, status, want] of cases) {
      const res = await inboxCall(...args);
      assert.deepEqual([res.status, res.body.status, code(res)], [status, status, want], what);
    }
    const same = await inboxCall(t, annS, 'case/get', { id: 999_999 }, { origin: 'http://localhost:80', host: 'localhost:80' });
    assert.equal(code(same), '40420', 'the same origin passes (and the case is unknown)');
    const s = await signInAgent(t, t.project.projectID, 'ann@example.com', PASSWORD);
    const realNow = t.clock.now;
    t.clock.now = () => realNow() + 12 * 60 * 60 * 1000 + 1;
    try {
      const expired = await inboxCall(t, s, 'GET me');
      assert.deepEqual([expired.status, code(expired)], [401, '40133']);
    } finally {
      t.clock.now = realNow;
    }
  });

  it('sessions slide: a use after an hour pushes the expiry 12 hours past it (the cookie is sent again)', async () => {
    const s = await signInAgent(t, t.project.projectID, 'ann@example.com', PASSWORD);
    const realNow = t.clock.now;
    const later = realNow() + 60 * 60 * 1000;
    t.clock.now = () => later;
    try {
      const me = await inboxCall<{ expiresAt: number }>(t, s, 'GET me');
      assert.equal(me.body.data.expiresAt, later + 12 * 60 * 60 * 1000);
      assert.match(me.setCookie ?? '', /^parley_inbox=ags_/);
    } finally {
      t.clock.now = realNow;
    }
  });

  it('an agent answers a case: list with the contact, take, reply, remark, junk, close (case_resolved); refusals for others’ cases', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const endpoint = await createEndpoint(t.deps, t.project.projectID, receiver.url, ['case.resolved']);
      receiver.secret = endpoint.secret;
      const visitor = await signInVisitor(t, 'Vera Visitor');
      const opened = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID: topic.id, message: 'Where is my parcel?' });
      const id = opened.data.case.id;

      const list = await inboxCall<ListAnswer>(t, annS, 'GET cases');
      const group = list.body.data.topics.find((g) => g.topicID === topic.id);
      const listed = group?.cases.find((c) => c.id === id);
      assert.ok(listed, 'the open case is listed under its topic');
      assert.deepEqual(
        [group?.topicName, listed.contact.fullName, listed.contact.email, listed.mine],
        ['Support', 'Vera Visitor', 'visitor@example.com', false],
      );
      assert.match(listed.contact.customerUserID, /^customer:/);
      assert.equal(listed.lastMessage?.text, 'Case created');
      assert.ok(listed.unreadCount >= 1);

      for (const path of ['case/reply', 'case/remark', 'case/junk', 'case/close', 'case/hand_over']) {
        const res = await inboxCall(t, annS, path, { id, text: 'hi', remark: 'r', agentID: bob.id });
        assert.deepEqual([res.status, code(res)], [403, '40301'], `${path} before taking the case`);
      }
      const taken = await inboxCall<CaseAnswer>(t, annS, 'case/take', { id });
      assert.deepEqual([taken.status, taken.body.data.case.mine, taken.body.data.case.agentFullName], [200, true, 'Ann']);
      const replied = await inboxCall<CaseAnswer>(t, annS, 'case/reply', { id, text: 'On its way!' });
      assert.deepEqual(
        replied.body.data.messages.map((m) => [m.type, m.text, m.fromVisitor]),
        [
          [1001, 'Where is my parcel?', true],
          [3005, 'Case created', true],
          [3006, 'Ann joined the conversation', false],
          [1001, 'On its way!', false],
        ],
      );
      const visitorSees = await visitorCall<{ case: CaseData & { tapTalkRoom: { unreadCount: number } } }>(t, visitor, 'client/case/get_by_id', { id });
      assert.equal(visitorSees.data.case.agentFullName, 'Ann');
      assert.equal(visitorSees.data.case.tapTalkRoom.unreadCount, 2, '3006 and the reply');

      for (const [path, body] of [
        ['case/reply', { id, text: 'me too' }],
        ['case/remark', { id, remark: 'mine' }],
        ['case/junk', { id }],
        ['case/close', { id }],
        ['case/hand_over', { id, agentID: bob.id }],
      ] as const) {
        const res = await inboxCall(t, bobS, path, body);
        assert.deepEqual([res.status, code(res)], [403, '40301'], `${path} of another agent’s case`);
      }
      const peek = await inboxCall<CaseAnswer>(t, bobS, 'case/get', { id });
      assert.deepEqual([peek.status, peek.body.data.case.mine], [200, false], 'another agent’s case can be read');

      const empty = await inboxCall(t, annS, 'case/reply', { id, text: '  ' });
      assert.deepEqual([empty.status, code(empty), empty.body.error.field], [400, '40002', 'text']);
      const noId = await inboxCall(t, annS, 'case/take', {});
      assert.deepEqual([noId.status, code(noId), noId.body.error.field], [400, '40002', 'id']);

      const remarked = await inboxCall<CaseAnswer>(t, annS, 'case/remark', { id, remark: 'VIP customer' });
      assert.equal(remarked.body.data.case.agentRemark, 'VIP customer');
      const junk = await inboxCall<CaseAnswer>(t, annS, 'case/junk', { id, isJunk: true });
      assert.equal(junk.body.data.case.isJunk, true);
      const closed = await inboxCall<CaseAnswer>(t, annS, 'case/close', { id });
      assert.equal(closed.body.data.case.isClosed, true);
      const [hook] = await receiver.until((r) => r.length >= 1);
      const payload = JSON.parse(hook?.body ?? '{}') as {
        type: string;
        caseResolved: { id: number; agentEmail: string; isJunk: boolean; agentRemark: string };
      };
      assert.deepEqual(
        [payload.type, payload.caseResolved.id, payload.caseResolved.agentEmail, payload.caseResolved.isJunk, payload.caseResolved.agentRemark],
        ['case_resolved', id, 'ann@example.com', true, 'VIP customer'],
      );
      const late = await inboxCall(t, annS, 'case/reply', { id, text: 'too late' });
      assert.deepEqual([late.status, code(late)], [409, '40921']);
      const gone = await inboxCall<ListAnswer>(t, annS, 'GET cases');
      assert.ok(!gone.body.data.topics.some((g) => g.cases.some((c) => c.id === id)), 'a closed case leaves the list');
    } finally {
      await receiver.close();
    }
  });

  it('hand over to another agent; another project’s case and agent are unknown; chat_ticket redeems for the agent’s chat user', async () => {
    const visitor = await signInVisitor(t);
    const opened = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID: topic.id, message: 'Hello' });
    const id = opened.data.case.id;
    await inboxCall(t, annS, 'case/take', { id });
    const handed = await inboxCall<CaseAnswer>(t, annS, 'case/hand_over', { id, agentID: bob.id });
    assert.deepEqual([handed.status, handed.body.data.case.agentFullName, handed.body.data.case.mine], [200, 'Bob', false]);

    const other = await t.newProject();
    const eve = await createAgent(t.deps, other.projectID, { email: 'eve@example.com', fullName: 'Eve', password: PASSWORD, topicIds: [] });
    const eveS = await signInAgent(t, other.projectID, 'eve@example.com', PASSWORD);
    for (const path of ['case/get', 'case/take', 'case/close']) {
      const res = await inboxCall(t, eveS, path, { id });
      assert.deepEqual([res.status, code(res)], [404, '40420'], `${path}: another project’s case`);
    }
    const toStranger = await inboxCall(t, bobS, 'case/hand_over', { id, agentID: eve.id });
    assert.deepEqual([toStranger.status, code(toStranger)], [404, '40422']);
    const eveList = await inboxCall<ListAnswer>(t, eveS, 'GET cases');
    assert.deepEqual(eveList.body.data.topics, []);

    const ticket = await inboxCall<{ userID: string; ticket: string; appKeyID: string; appKeySecret: string }>(t, bobS, 'chat_ticket');
    assert.equal(ticket.body.data.userID, String(bob.userId));
    const appKey = Buffer.from(`${ticket.body.data.appKeyID}:${ticket.body.data.appKeySecret}`).toString('base64');
    const redeemed = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/access_token/request',
      headers: { 'app-key': appKey, authorization: `Bearer ${ticket.body.data.ticket}`, 'content-type': 'application/json' },
      payload: '""',
    });
    const tokens = redeemed.json() as { status: number; data: { user: { userID: string } } };
    assert.deepEqual([tokens.status, tokens.data.user.userID], [200, String(bob.userId)]);
  });
});
