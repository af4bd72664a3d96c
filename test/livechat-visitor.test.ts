// OneTalk Live Chat's visitor API (issue #13): configs, topics, guests, cases and their messages, as
// OneTalk's clients call them, with each refusal; the case's conversation seen through the chat core.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decryptContent } from '../src/chat/cipher.ts';
import { newLocalId } from '../src/chat/cipher.ts';
import { formatKeyPairHeader } from '../src/credentials.ts';
import { createTopic, updateSettings } from '../src/services/livechat-setup.ts';
import { createEndpoint } from '../src/services/webhooks.ts';
import type { Topic } from '../src/repos/livechat.ts';
import { type TestApp, createTestApp, post } from './support/app.ts';
import { type ChatUser, ChatSocket, clientCall, listen, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { type CaseData, type Visitor, signInVisitor, visitorCall, visitorChatUser } from './support/livechat.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';

interface RoomMessage {
  localID: string;
  type: number;
  body: string;
  data: string;
  user: { userID: string };
}

await eachDialect(describe, 'Live Chat visitor API', (dialect) => {
  let t: TestApp;
  let topic: Topic;
  let other: Topic;
  before(async () => {
    t = await createTestApp(dialect, { PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true' });
    t.clock.now = () => Date.now();
    topic = await createTopic(t.deps, t.project.projectID, 'Billing');
    other = await createTopic(t.deps, t.project.projectID, 'Delivery');
  });
  after(() => t.close());

  const openCase = async (visitor: Visitor, message = 'Hello, my invoice is wrong', topicID = topic.id) => {
    const res = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID, message });
    assert.equal(res.status, 200, JSON.stringify(res.error));
    return res.data.case;
  };
  const roomMessages = async (user: ChatUser, roomID: string) => {
    const res = await clientCall<{ messages: RoomMessage[] }>(t, user, '/v1/chat/message/list_by_room/before', { roomID, maxCreated: 0, limit: 50 });
    assert.equal(res.status, 200, JSON.stringify(res.error));
    return res.data.messages
      .reverse()
      .map((m) => ({ ...m, text: decryptContent(m.body, m.localID) ?? '', json: m.data === '' ? {} : JSON.parse(decryptContent(m.data, m.localID) ?? '{}') }));
  };

  it('get_configs (Secret-Key only): this Parley as the chat server, an app key that works there, the launcher settings', async () => {
    const res = await visitorCall<{
      tapTalk: { apiURL: string; appKeyID: string; appKeySecret: string };
      launcherConfigs: Record<string, unknown>;
      channelLinks: [];
    }>(t, undefined, 'client/project/get_configs');
    assert.equal(res.status, 200);
    assert.deepEqual(res.data.tapTalk, { apiURL: 'http://localhost:80', appKeyID: t.project.appKey.id, appKeySecret: t.project.appKey.secret });
    assert.deepEqual(res.data.launcherConfigs, { hexColor: '#2C7CFF', maxOpenCases: 0, randomizeFilename: false });
    assert.deepEqual(res.data.channelLinks, []);
    const chat = await post(
      t.app,
      '/v1/client/project_configs',
      { 'app-key': formatKeyPairHeader(res.data.tapTalk.appKeyID, res.data.tapTalk.appKeySecret) },
      '',
    );
    assert.equal(chat.body.status, 200, 'the chat SDK is let in with what get_configs gave it');

    await updateSettings(t.deps, t.project.projectID, { hexColor: '#112233' });
    const changed = await visitorCall<{ launcherConfigs: Record<string, unknown> }>(t, undefined, 'client/project/get_configs');
    assert.deepEqual(changed.data.launcherConfigs, { hexColor: '#112233', maxOpenCases: 0, randomizeFilename: false });
  });

  it('topic/get_list: the project’s topics, before anyone signs in; another project sees its own', async () => {
    const res = await visitorCall<{ topics: Array<{ id: number; name: string; deletedTime: number }> }>(t, undefined, 'client/topic/get_list');
    assert.deepEqual(
      res.data.topics.map((x) => [x.id, x.name, x.deletedTime]),
      [
        [topic.id, 'Billing', 0],
        [other.id, 'Delivery', 0],
      ],
    );
    const b = await t.newProject();
    const theirs = await post<{ topics: unknown[] }>(t.app, '/api/visitor/v1/client/topic/get_list', { 'secret-key': b.appKey.secret }, '');
    assert.deepEqual(theirs.body.data.topics, []);
  });

  it('scf/get_path: no FAQ tree is set (40401, "not set", as the clients expect); server_time: the clock', async () => {
    const scf = await visitorCall(t, undefined, 'client/scf/get_path');
    assert.deepEqual([scf.status, scf.error.code], [404, '40401']);
    assert.match(scf.error.message, /not set/);
    const time = await visitorCall<{ timestamp: { seconds: number; nanos: number } }>(t, undefined, 'client/server_time');
    const now = t.clock.now();
    assert.ok(Math.abs(time.data.timestamp.seconds - Math.floor(now / 1000)) <= 1);
    assert.ok(time.data.timestamp.nanos >= 0 && time.data.timestamp.nanos < 1e9);
  });

  it('user/create: a guest with a name and an email gets a ticket that signs in; missing or bad fields are named', async () => {
    const res = await visitorCall<{ user: { userID: string; fullName: string; email: string; source: string }; ticket: string }>(
      t,
      undefined,
      'client/user/create',
      {
        fullName: 'Guest Gina',
        email: 'gina@example.com',
      },
    );
    assert.equal(res.status, 200, JSON.stringify(res.error));
    assert.deepEqual([res.data.user.fullName, res.data.user.email, res.data.user.source], ['Guest Gina', 'gina@example.com', 'launcher']);
    const tokens = await post<{ user: { userID: string } }>(
      t.app,
      '/api/visitor/v1/auth/access_token/request',
      { 'secret-key': t.project.appKey.secret, authorization: `Bearer ${res.data.ticket}` },
      '',
    );
    assert.equal(tokens.body.data.user.userID, res.data.user.userID);

    const noEmail = await visitorCall(t, undefined, 'client/user/create', { fullName: 'Guest' });
    assert.deepEqual([noEmail.status, noEmail.error.code, noEmail.error.field], [400, '40002', 'email']);
    const badEmail = await visitorCall(t, undefined, 'client/user/create', { fullName: 'Guest', email: 'not-an-email' });
    assert.deepEqual([badEmail.error.code, badEmail.error.field, badEmail.error.message], ['40002', 'email', 'Email must be a valid email address']);
  });

  it('case/create: a case on the topic with the first message and 3005 in its room case:<id>; the visitor’s chat user is its member', async () => {
    const visitor = await signInVisitor(t, 'Vera');
    const c = await openCase(visitor, 'My invoice is wrong');
    assert.equal(c.topicID, topic.id);
    assert.equal(c.topicName, 'Billing');
    assert.equal(c.tapTalkXCRoomID, `case:${c.id}`);
    assert.equal(c.firstMessage, 'My invoice is wrong');
    assert.equal(c.isClosed, false);
    assert.equal(c.userID, visitor.contactID);
    assert.match(c.stringID, /^[0-9A-F]{10}$/);
    assert.equal(c.agentAccountID, 0, 'no agent is online');

    const chat = await visitorChatUser(t, visitor);
    assert.equal((chat.user as { xcUserID: string }).xcUserID, `livechat:${visitor.contactID}`);
    const room = await clientCall<{ room: { xcRoomID: string; type: number } }>(t, chat, '/v1/client/room/get', { roomID: `case:${c.id}` });
    assert.deepEqual([room.data.room.xcRoomID, room.data.room.type], [`case:${c.id}`, 2]);
    const said = await roomMessages(chat, `case:${c.id}`);
    assert.deepEqual(
      said.map((m) => [m.type, m.user.userID]),
      [
        [1001, chat.userID],
        [3005, chat.userID],
      ],
    );
    assert.equal(said[0]?.text, 'My invoice is wrong');
    assert.equal(said[1]?.json.id, c.id, 'a case system message carries the case in data');
  });

  it('case/create refusals: unknown topic, no message, bad topicID, another project’s topic; nothing is written', async () => {
    const visitor = await signInVisitor(t);
    const b = await t.newProject();
    const theirs = await createTopic(t.deps, b.projectID, 'Theirs');
    for (const [body, code, field] of [
      [{ topicID: 999_999, message: 'hi' }, '40421', 'topicID'],
      [{ topicID: theirs.id, message: 'hi' }, '40421', 'topicID'],
      [{ topicID: topic.id }, '40002', 'message'],
      [{ topicID: topic.id, message: '   ' }, '40002', 'message'],
      [{ topicID: 'abc', message: 'hi' }, '40002', 'topicID'],
      [{ message: 'hi' }, '40002', 'topicID'],
    ] as const) {
      const res = await visitorCall(t, visitor, 'client/case/create', body);
      assert.deepEqual([res.error.code, res.error.field], [code, field], JSON.stringify(body));
    }
    const list = await visitorCall<{ cases: unknown[] }>(t, visitor, 'client/case/get_list', { withTapTalkRoom: true });
    assert.deepEqual(list.data.cases, []);
  });

  it('the most open cases a visitor may have: one more is refused (40920) until one closes', async () => {
    const b = await t.newProject();
    const bTopic = await createTopic(t.deps, b.projectID, 'Help');
    await updateSettings(t.deps, b.projectID, { maxOpenCases: 1 });
    const ticket = await post<{ ticket: string }>(
      t.app,
      '/api/integration/v1/user/request_auth_ticket',
      { 'api-key': b.apiKey },
      { customerUserID: 'c1', fullName: 'Max' },
    );
    const tokens = await post<{ accessToken: string }>(
      t.app,
      '/api/visitor/v1/auth/access_token/request',
      { 'secret-key': b.appKey.secret, authorization: `Bearer ${ticket.body.data.ticket}` },
      '',
    );
    const call = (path: string, body: unknown) =>
      post<{ case: CaseData }>(
        t.app,
        `/api/visitor/v1/${path}`,
        { 'secret-key': b.appKey.secret, authorization: `Bearer ${tokens.body.data.accessToken}` },
        body,
      );
    const first = await call('client/case/create', { topicID: bTopic.id, message: 'one' });
    assert.equal(first.body.status, 200);
    const second = await call('client/case/create', { topicID: bTopic.id, message: 'two' });
    assert.deepEqual([second.body.status, second.body.error.code, second.body.error.message], [409, '40920', 'At most 1 open cases at a time']);
    assert.equal((await call('client/case/close', { id: first.body.data.case.id })).body.status, 200);
    assert.equal((await call('client/case/create', { topicID: bTopic.id, message: 'three' })).body.status, 200, 'a closed case does not count');
  });

  it('get_list and get_by_id: newest first, with the room’s newest message and unread count; id or caseID; another’s case is unknown', async () => {
    const visitor = await signInVisitor(t);
    const a = await openCase(visitor, 'first case');
    const b = await openCase(visitor, 'second case', other.id);
    const list = await visitorCall<{ cases: CaseData[] }>(t, visitor, 'client/case/get_list', { withTapTalkRoom: true });
    assert.deepEqual(
      list.data.cases.map((c) => c.id),
      [b.id, a.id],
    );
    const room = list.data.cases[0]?.tapTalkRoom;
    assert.equal(room?.lastMessage?.type, 3005);
    assert.equal(room?.unreadCount, 0, 'the visitor’s own messages are not unread');
    const plain = await visitorCall<{ cases: CaseData[] }>(t, visitor, 'client/case/get_list');
    assert.equal(plain.data.cases[0]?.tapTalkRoom, undefined);

    for (const body of [{ id: a.id }, { caseID: a.id }, { id: String(a.id) }]) {
      const one = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/get_by_id', body);
      assert.equal(one.data.case.id, a.id, JSON.stringify(body));
    }
    const stranger = await signInVisitor(t);
    for (const [body, code] of [
      [{ id: a.id }, '40420'],
      [{ id: 0 }, '40002'],
      [{}, '40002'],
      [{ id: 'x' }, '40002'],
    ] as const) {
      const res = await visitorCall(t, stranger, 'client/case/get_by_id', body);
      assert.deepEqual([res.error.code, res.error.field], [code, 'id'], JSON.stringify(body));
    }
  });

  it('send_message refusals: another visitor’s case, a closed case, a bad type, no localID, media without its file', async () => {
    const visitor = await signInVisitor(t);
    const c = await openCase(visitor);
    const stranger = await signInVisitor(t);
    const text = (id: number) => ({ id, localID: newLocalId(), messageType: 'text', text: 'hi' });
    const theirs = await visitorCall(t, stranger, 'client/case/send_message', text(c.id));
    assert.deepEqual([theirs.error.code, theirs.error.field], ['40420', 'id']);
    for (const [body, field] of [
      [{ id: c.id, localID: newLocalId(), messageType: 'sticker', text: 'hi' }, 'messageType'],
      [{ id: c.id, messageType: 'text', text: 'hi' }, 'localID'],
      [{ id: c.id, localID: newLocalId(), messageType: 'text' }, 'text'],
      [{ id: c.id, localID: newLocalId(), messageType: 'file', text: 'x' }, 'file'],
      [{ id: c.id, localID: newLocalId(), messageType: 'file', file: { fileURL: 'javascript:alert(1)' } }, 'file.fileURL'],
    ] as const) {
      const res = await visitorCall(t, visitor, 'client/case/send_message', body);
      assert.deepEqual([res.error.code, res.error.field], ['40002', field], JSON.stringify(body));
    }
    assert.equal((await visitorCall(t, visitor, 'client/case/close', { id: c.id })).status, 200);
    const closed = await visitorCall(t, visitor, 'client/case/send_message', text(c.id));
    assert.deepEqual([closed.status, closed.error.code, closed.error.field], [409, '40921', 'id']);
  });

  it('close: 3001 then 3003 in the room, case_resolved to the company’s webhook in OneTalk’s shape; closing again changes nothing', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const endpoint = await createEndpoint(t.deps, t.project.projectID, receiver.url, ['case.resolved']);
      receiver.secret = endpoint.secret;
      const visitor = await signInVisitor(t, 'Clara');
      const c = await openCase(visitor, 'please close me');
      const stranger = await signInVisitor(t);
      const refused = await visitorCall(t, stranger, 'client/case/close', { id: c.id });
      assert.deepEqual([refused.error.code, refused.error.field], ['40420', 'id']);
      const closed = await visitorCall(t, visitor, 'client/case/close', { id: c.id });
      assert.deepEqual(closed.data, { success: true, message: 'Case closed successfully' });
      const again = await visitorCall(t, visitor, 'client/case/close', { id: c.id });
      assert.deepEqual(again.data, { success: true, message: 'Case is already closed' });

      const [hook] = await receiver.until((r) => r.length >= 1);
      assert.equal(hook?.event, 'case.resolved');
      assert.equal(hook?.valid, true);
      const body = hook?.json as { organizationID: string; type: string; caseResolved: Record<string, unknown> };
      assert.equal(body.organizationID, t.project.projectID);
      assert.equal(body.type, 'case_resolved');
      assert.equal(body.caseResolved.caseID, c.stringID);
      assert.equal(body.caseResolved.topicID, topic.id);
      assert.equal(body.caseResolved.topicName, 'Billing');
      assert.equal(body.caseResolved.isJunk, false);
      assert.equal(typeof body.caseResolved.resolvedTime, 'number');
      assert.ok((body.caseResolved.resolvedTime as number) >= (body.caseResolved.createdTime as number));
      assert.equal((body.caseResolved.contact as { fullName: string }).fullName, 'Clara');

      const chat = await visitorChatUser(t, visitor);
      const said = await roomMessages(chat, `case:${c.id}`);
      assert.deepEqual(
        said.map((m) => m.type),
        [1001, 3005, 3001, 3003],
        'closing twice said it once',
      );
      assert.equal(said[2]?.json.isClosed, true);
      const one = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/get_by_id', { id: c.id });
      assert.equal(one.data.case.isClosed, true);
      assert.equal(receiver.received.length, 1, 'one webhook for one close');
    } finally {
      await receiver.close();
    }
  });

  it('rate: only a closed case, only once, 1–5 with a note of at most 1000 characters; 3004 in the room', async () => {
    const visitor = await signInVisitor(t);
    const c = await openCase(visitor);
    const open = await visitorCall(t, visitor, 'client/case/rate', { id: c.id, rating: 5, note: 'great' });
    assert.deepEqual([open.status, open.error.code], [409, '40922']);
    await visitorCall(t, visitor, 'client/case/close', { id: c.id });
    for (const [body, field] of [
      [{ id: c.id, rating: 0, note: '' }, 'rating'],
      [{ id: c.id, rating: 6, note: '' }, 'rating'],
      [{ id: c.id, note: 'x' }, 'rating'],
      [{ id: c.id, rating: 4, note: 'x'.repeat(1001) }, 'note'],
      [{ id: c.id, rating: 4, note: 42 }, 'note'],
    ] as const) {
      const res = await visitorCall(t, visitor, 'client/case/rate', body);
      assert.deepEqual([res.error.code, res.error.field], ['40002', field], JSON.stringify(body).slice(0, 80));
    }
    const stranger = await signInVisitor(t);
    assert.equal((await visitorCall(t, stranger, 'client/case/rate', { id: c.id, rating: 3, note: 'meh' })).error.code, '40420');
    const rated = await visitorCall(t, visitor, 'client/case/rate', { id: c.id, rating: 4, note: 'Quick and kind' });
    assert.deepEqual(rated.data, { success: true, message: 'Case rated successfully' });
    const twice = await visitorCall(t, visitor, 'client/case/rate', { id: c.id, rating: 1, note: 'changed my mind' });
    assert.deepEqual([twice.status, twice.error.code], [409, '40923']);
    const one = await visitorCall<{ case: CaseData & { rating: number; ratingNote: string } }>(t, visitor, 'client/case/get_by_id', { id: c.id });
    assert.deepEqual([one.data.case.rating, one.data.case.ratingNote], [4, 'Quick and kind']);
    const said = await roomMessages(await visitorChatUser(t, visitor), `case:${c.id}`);
    assert.equal(said.at(-1)?.type, 3004);
  });

  it('send_message: stored through the chat core, back on the visitor’s socket with the same localID; once per localID', async () => {
    const visitor = await signInVisitor(t);
    const c = await openCase(visitor);
    const chat = await visitorChatUser(t, visitor);
    const base = await listen(t);
    const ws = await ChatSocket.open(socketUrl(base, chat.appKeyHeader, chat.accessToken));
    try {
      const localID = newLocalId();
      const body = { id: c.id, createdTime: 0, localID, replyToLocalID: null, messageType: 'text', text: 'Any news?' };
      const sent = await visitorCall<{ success: boolean; reason: string }>(t, visitor, 'client/case/send_message', body);
      assert.deepEqual(sent.data, { success: true, message: 'Message sent', reason: '' });
      const echo = await ws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === localID);
      assert.equal(decryptContent(echo.data.body, localID), 'Any news?');
      assert.equal(echo.data.room.roomID, `case:${c.id}`);
      assert.equal((await visitorCall(t, visitor, 'client/case/send_message', body)).status, 200, 'a replay answers the same');
      const image = {
        id: c.id,
        localID: newLocalId(),
        messageType: 'image',
        image: { fileURL: 'https://files.example.com/a.png', caption: 'the invoice', filename: 'a.png' },
      };
      assert.equal((await visitorCall(t, visitor, 'client/case/send_message', image)).status, 200);
      const said = await roomMessages(chat, `case:${c.id}`);
      assert.deepEqual(
        said.map((m) => m.type),
        [1001, 3005, 1001, 1002],
      );
      assert.equal(said[3]?.text, 'the invoice');
      assert.equal(said[3]?.json.fileURL, 'https://files.example.com/a.png');
    } finally {
      await ws.close();
      await t.app.close();
    }
  });
});
