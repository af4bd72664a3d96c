// The lock of a closed case's room reaches every node: the room state each node caches carries it, and
// a close (or reopen) on one node drops that state on the others through the broker, as room changes do.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Agent, Topic } from '../src/repos/livechat.ts';
import { reopenCase } from '../src/services/case-agent.ts';
import { takeCase } from '../src/services/case-assignment.ts';
import { createAgent, createTopic } from '../src/services/livechat-setup.ts';
import { type TestApp, createTestNodes } from './support/app.ts';
import { ChatSocket, listen, outgoingMessage, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { type CaseData, signInVisitor, visitorCall, visitorChatUser } from './support/livechat.ts';

await eachDialect(describe, 'Live Chat: a closed case’s room is locked on every node', (dialect) => {
  let a: TestApp;
  let b: TestApp;
  let closeNodes: () => Promise<void>;
  let baseB: string;
  let topic: Topic;
  let ann: Agent;
  const sockets: ChatSocket[] = [];

  before(async () => {
    ({
      a,
      b,
      close: closeNodes,
    } = await createTestNodes(dialect, {
      PARLEY_REDIS_URL: 'redis://127.0.0.1:6379',
      PARLEY_REDIS_PREFIX: `parley-test-${randomBytes(4).toString('hex')}:`,
      PARLEY_BROKER: 'redis',
      PARLEY_SCHEDULER_INTERVAL: '0',
    }));
    baseB = await listen(b);
    topic = await createTopic(a.deps, a.project.projectID, 'Support');
    ann = await createAgent(a.deps, a.project.projectID, { email: 'ann@example.com', fullName: 'Ann', password: 'a long passphrase', topicIds: [] });
  });
  after(async () => {
    for (const ws of sockets) await ws.close();
    await closeNodes();
  });

  it('a close on node a locks the room for a socket on node b; a reopen on node a unlocks it', async () => {
    const visitor = await signInVisitor(a);
    const opened = await visitorCall<{ case: CaseData }>(a, visitor, 'client/case/create', { topicID: topic.id, message: 'Hello' });
    const id = opened.data.case.id;
    const roomID = `case:${id}`;
    await takeCase(a.deps, a.project.projectID, id, ann.id);
    const chat = await visitorChatUser(a, visitor);
    const ws = await ChatSocket.open(socketUrl(baseB, chat.appKeyHeader, chat.accessToken));
    sockets.push(ws);

    // Node b caches the room, unlocked, with this message.
    const before = outgoingMessage(roomID, chat, 'while open');
    ws.emit('chat/sendMessage', before);
    await ws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === before.localID);
    assert.ok(b.deps.chat.rooms.get(`${a.project.projectID}\0${roomID}`) !== undefined, 'node b holds the room state');

    const mark = ws.events.length;
    assert.equal((await visitorCall(a, visitor, 'client/case/close', { id })).status, 200);
    // The room's note reaches node b before the 3001 it sends after it.
    await ws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.type === 3001, 5000, mark);
    const late = outgoingMessage(roomID, chat, 'after the close');
    ws.emit('chat/sendMessage', late);
    const refused = await ws.waitFor((e) => e.data?.localID === late.localID);
    assert.deepEqual([refused.eventName, refused.data.code], ['error', '40910']);

    const reopenMark = ws.events.length;
    await reopenCase(a.deps, a.project.projectID, id, ann.id);
    await ws.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.type === 3002, 5000, reopenMark);
    const again = outgoingMessage(roomID, chat, 'reopened');
    ws.emit('chat/sendMessage', again);
    const echo = await ws.waitFor((e) => e.data?.localID === again.localID);
    assert.equal(echo.eventName, 'chat/sendMessage', JSON.stringify(echo.data));
  });
});
