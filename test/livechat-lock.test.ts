// A closed case's room is locked in the chat (issue #13): its room shows isLocked, and nothing a chat
// user writes goes in (the visitor's socket, an agent's socket and REST, scheduled messages, the
// server API), while the services' own system messages still do; an agent's reopen unlocks it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newLocalId } from '../src/chat/cipher.ts';
import type { Agent, Topic } from '../src/repos/livechat.ts';
import { reopenCase } from '../src/services/case-agent.ts';
import { takeCase } from '../src/services/case-assignment.ts';
import { agentChatTicket } from '../src/services/inbox-chat.ts';
import { runScheduler } from '../src/services/scheduler.ts';
import { findRoom } from '../src/repos/rooms.ts';
import { findCase } from '../src/repos/cases.ts';
import { createMigrator } from '../src/storage/migrate.ts';
import { createAgent, createTopic } from '../src/services/livechat-setup.ts';
import { messageReference, renderPayload } from '../src/services/webhook-payloads.ts';
import { type Envelope, type TestApp, type TokenBundle, createTestApp, post } from './support/app.ts';
import { type ChatUser, ChatSocket, type SocketEvent, clientCall, listen, outgoingMessage, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { multipart } from './support/files.ts';
import { type CaseData, signInVisitor, visitorCall, visitorChatUser } from './support/livechat.ts';

interface RoomAnswer {
  room: { roomID: string; isLocked: boolean; lockedTime: number };
}

function refused(res: Envelope, status: number, code: string, field?: string): void {
  assert.deepEqual([res.status, res.error.code], [status, code], JSON.stringify(res));
  if (field !== undefined) assert.equal(res.error.field, field);
}

await eachDialect(describe, 'Live Chat: a closed case’s room is locked', (dialect) => {
  let t: TestApp;
  let base: string;
  let topic: Topic;
  let ann: Agent;
  const sockets: ChatSocket[] = [];
  const open = async (user: ChatUser, appKeyHeader: string) => {
    const ws = await ChatSocket.open(socketUrl(base, appKeyHeader, user.accessToken));
    sockets.push(ws);
    return ws;
  };

  before(async () => {
    t = await createTestApp(dialect, { PARLEY_SCHEDULER_INTERVAL: '0', PARLEY_CLIENT_CALL_RATE: '0' });
    t.clock.now = () => Date.now();
    base = await listen(t);
    topic = await createTopic(t.deps, t.project.projectID, 'Support');
    ann = await createAgent(t.deps, t.project.projectID, { email: 'ann@example.com', fullName: 'Ann', password: 'a long passphrase', topicIds: [] });
  });
  after(async () => {
    for (const ws of sockets) await ws.close();
    await t.close();
  });

  /** The agent's chat user, signed in the way the inbox page does it (a chat ticket, any app key of the project). */
  async function agentChat(): Promise<ChatUser> {
    const { ticket } = agentChatTicket(t.deps, ann);
    const res = await post<TokenBundle>(
      t.app,
      '/v1/auth/access_token/request',
      { 'app-key': t.project.appKey.header, authorization: `Bearer ${ticket}` },
      '""',
    );
    assert.equal(res.body.status, 200, JSON.stringify(res.body.error));
    return { userID: res.body.data.user.userID as string, ...res.body.data };
  }

  it('close locks the room for every writer but the services; reopen unlocks it', async () => {
    const visitor = await signInVisitor(t);
    const opened = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID: topic.id, message: 'My order is late' });
    const id = opened.data.case.id;
    const roomID = `case:${id}`;
    await takeCase(t.deps, t.project.projectID, id, ann.id);
    const visitorUser = await visitorChatUser(t, visitor);
    const agentUser = await agentChat();
    const vws = await open(visitorUser, visitorUser.appKeyHeader);
    const aws = await open(agentUser, t.project.appKey.header);
    const roomGet = (u: ChatUser) => clientCall<RoomAnswer>(t, u, '/v1/client/room/get', { roomID });
    const said = async () =>
      (await clientCall<{ messages: Array<{ type: number; localID: string }> }>(t, visitorUser, '/v1/chat/message/list_by_room/before', { roomID, limit: 100 }))
        .data.messages;

    // Open: the visitor writes over the socket, the room is not locked.
    const first = outgoingMessage(roomID, visitorUser, 'Hello over the socket');
    vws.emit('chat/sendMessage', first);
    const echo = await vws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === first.localID);
    assert.deepEqual([echo.data.room.isLocked, echo.data.room.lockedTime], [false, 0]);
    assert.deepEqual([(await roomGet(visitorUser)).data.room.isLocked, (await roomGet(visitorUser)).data.room.lockedTime], [false, 0]);
    const scheduledBefore = await clientCall<{ createdItem: { id: number } }>(t, visitorUser, '/v1/chat/scheduled_message/create', {
      message: outgoingMessage(roomID, visitorUser, 'for tomorrow'),
      scheduledTime: Date.now() + 60_000,
    });
    assert.equal(scheduledBefore.status, 200, JSON.stringify(scheduledBefore.error));

    // The visitor closes: 3001 and 3003 still arrive, and say the room is locked.
    const mark = vws.events.length;
    assert.equal((await visitorCall(t, visitor, 'client/case/close', { id })).status, 200);
    const closed = await vws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.type === 3001, 5000, mark);
    const review = await vws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.type === 3003, 5000, mark);
    for (const m of [closed, review]) assert.equal(m.data.room.isLocked, true, `${m.data.type} shows the room locked`);
    assert.ok(closed.data.room.lockedTime > 0);
    const got = await roomGet(visitorUser);
    assert.deepEqual([got.data.room.isLocked, got.data.room.lockedTime], [true, closed.data.room.lockedTime]);
    const byXc = await clientCall<RoomAnswer>(t, agentUser, '/v1/client/room/get_by_xc_room_id', { xcRoomID: roomID });
    assert.equal(byXc.data.room.isLocked, true);
    const hook = JSON.parse(
      await renderPayload(t.deps, JSON.stringify(messageReference({ projectId: t.project.projectID, id: Number(closed.data.messageID) }))),
    );
    assert.deepEqual([hook.room.isLocked, hook.room.lockedTime], [true, closed.data.room.lockedTime], 'the webhook payload’s room too');

    // Every chat user's write is refused: the visitor's socket, the agent's socket, REST, scheduling, the server API.
    const isError = (localID: string) => (e: SocketEvent) => e.eventName === 'error' && e.data.localID === localID;
    const late = outgoingMessage(roomID, visitorUser, 'Are you there?');
    vws.emit('chat/sendMessage', late);
    const error = await vws.waitFor(isError(late.localID));
    assert.deepEqual([error.data.status, error.data.code, error.data.field, error.data.eventName], [409, '40910', 'roomID', 'chat/sendMessage']);
    const agentLate = outgoingMessage(roomID, agentUser, 'One more thing');
    aws.emit('chat/sendMessage', agentLate);
    assert.equal((await aws.waitFor(isError(agentLate.localID))).data.code, '40910');
    vws.emit('chat/updateMessage', { ...first, messageID: echo.data.messageID, body: outgoingMessage(roomID, visitorUser, 'x').body, isMessageEdited: true });
    await vws.waitFor((e) => e.eventName === 'error' && e.data.eventName === 'chat/updateMessage' && e.data.code === '40910');
    refused(
      await clientCall(t, agentUser, '/v1/chat/message/send/custom', { roomID, localID: newLocalId(), messageType: 1001, body: 'over REST' }),
      409,
      '40910',
      'roomID',
    );
    refused(
      await clientCall(t, visitorUser, '/v1/chat/scheduled_message/create', {
        message: outgoingMessage(roomID, visitorUser, 'later'),
        scheduledTime: Date.now() + 60_000,
      }),
      409,
      '40910',
      'message.room.roomID',
    );
    refused(await clientCall(t, visitorUser, '/v1/chat/scheduled_message/send_now', { roomID, ids: [scheduledBefore.data.createdItem.id] }), 409, '40910');
    refused(await clientCall(t, agentUser, '/v1/chat/message/pin', { roomID, messageIDs: [echo.data.messageID] }), 409, '40910');
    const form = multipart([
      { name: 'roomID', value: roomID },
      { name: 'fileType', value: 'file' },
      { name: 'file', filename: 'late.txt', type: 'text/plain', data: Buffer.from('too late') },
    ]);
    const upload = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/file/upload',
      headers: { 'app-key': t.project.appKey.header, authorization: `Bearer ${agentUser.accessToken}`, 'content-type': form.contentType },
      payload: form.payload,
    });
    refused(upload.json() as Envelope, 409, '40910', 'roomID');
    const server = await post(
      t.app,
      '/v1/server/message/send/custom',
      { 'server-key': t.project.serverKey.header },
      { senderXCUserID: visitorUser.user.xcUserID, xcRoomID: roomID, messageType: 1001, body: 'from the backend' },
    );
    assert.equal(server.status, 409);
    refused(server.body, 409, '40910', '103');
    // A receipt is no write into the room: the agent still reads the visitor's last words.
    const closedSeen = await aws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.messageID === closed.data.messageID);
    aws.emit('chat/updateMessage', { ...closedSeen.data, isRead: true });
    await vws.waitFor((e) => e.eventName === 'chat/updateMessage' && e.data.messageID === closed.data.messageID && e.data.isRead === true);
    // The rating's 3004 is the service's and goes in.
    const beforeRate = vws.events.length;
    assert.equal((await visitorCall(t, visitor, 'client/case/rate', { id, rating: 5, note: '' })).status, 200);
    const rated = await vws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.type === 3004, 5000, beforeRate);
    assert.equal(rated.data.room.isLocked, true);
    const refusedLocalIDs = [late.localID, agentLate.localID];
    assert.deepEqual(
      (await said()).filter((m) => refusedLocalIDs.includes(m.localID)),
      [],
      'nothing refused was stored',
    );

    // The agent reopens: 3002 says the room is open, and every writer may write again.
    const beforeReopen = vws.events.length;
    await reopenCase(t.deps, t.project.projectID, id, ann.id);
    const reopened = await vws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.type === 3002, 5000, beforeReopen);
    assert.deepEqual([reopened.data.room.isLocked, reopened.data.room.lockedTime], [false, 0]);
    assert.equal((await roomGet(agentUser)).data.room.isLocked, false);
    const again = outgoingMessage(roomID, visitorUser, 'Thanks for reopening');
    vws.emit('chat/sendMessage', again);
    await aws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === again.localID);
    const rest = await clientCall(t, agentUser, '/v1/chat/message/send/custom', { roomID, localID: newLocalId(), messageType: 1001, body: 'Welcome back' });
    assert.equal(rest.status, 200, JSON.stringify(rest.error));
    assert.deepEqual((await said()).map((m) => m.type).reverse(), [1001, 3005, 3006, 1001, 3001, 3003, 3004, 3002, 1001, 1001]);
  });

  it('a scheduled message that comes due after the close is dropped, not sent', async () => {
    const visitor = await signInVisitor(t);
    const opened = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID: topic.id, message: 'Question' });
    const roomID = `case:${opened.data.case.id}`;
    const chat = await visitorChatUser(t, visitor);
    const message = outgoingMessage(roomID, chat, 'scheduled before the close');
    const made = await clientCall(t, chat, '/v1/chat/scheduled_message/create', { message, scheduledTime: Date.now() + 1000 });
    assert.equal(made.status, 200, JSON.stringify(made.error));
    assert.equal((await visitorCall(t, visitor, 'client/case/close', { id: opened.data.case.id })).status, 200);
    const now = t.clock.now;
    t.clock.now = () => Date.now() + 120_000;
    try {
      await runScheduler(t.deps);
    } finally {
      t.clock.now = now;
    }
    const list = await clientCall<{ messages: Array<{ localID: string }> }>(t, chat, '/v1/chat/message/list_by_room/before', { roomID, limit: 100 });
    assert.equal(list.data.messages.filter((m) => m.localID === message.localID).length, 0);
    const pending = await clientCall<{ items: unknown[] }>(t, chat, '/v1/chat/scheduled_message/get_scheduled_list', { roomID });
    assert.deepEqual(pending.data.items, [], 'the row is gone');
  });

  it('migration 0015 locks the rooms of cases closed before it, at their close time', async () => {
    const visitor = await signInVisitor(t);
    const opened = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID: topic.id, message: 'Before the upgrade' });
    const other = await visitorCall<{ case: CaseData }>(t, visitor, 'client/case/create', { topicID: topic.id, message: 'Still open' });
    assert.equal((await visitorCall(t, visitor, 'client/case/close', { id: opened.data.case.id })).status, 200);
    const migrator = createMigrator(t.deps.db);
    const down = await migrator.migrateTo('0014_agent_sessions');
    assert.equal(down.error, undefined);
    assert.ok(down.results?.some((r) => r.migrationName === '0015_room_locks' && r.direction === 'Down'));
    assert.equal((await migrator.migrateToLatest()).error, undefined);
    const closed = await findCase(t.deps.db, t.project.projectID, opened.data.case.id);
    const room = await findRoom(t.deps.db, t.project.projectID, `case:${opened.data.case.id}`);
    assert.deepEqual([room?.isLocked, room?.lockedAt], [true, closed?.closedAt]);
    const stillOpen = await findRoom(t.deps.db, t.project.projectID, `case:${other.data.case.id}`);
    assert.deepEqual([stillOpen?.isLocked, stillOpen?.lockedAt], [false, 0]);
  });
});
