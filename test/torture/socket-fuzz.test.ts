// Property-based fuzzing of the chat socket over a real `parley serve` process: random and malformed
// frames (text and binary), every event name with hostile data (wrong types, huge and deeply nested
// values, unicode edge cases, `__proto__` keys, foreign rooms, other users' message ids). Every frame
// the server sends must be one well-formed event in a binary frame, the fuzzing socket must stay
// open, two other users must keep chatting throughout, and the process must log no error.
// A failure prints fast-check's seed; replay it with PARLEY_FUZZ_SEED=<seed>.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { encryptContent, newLocalId } from '../../src/chat/cipher.ts';
import type { CreatedProject } from '../../src/services/projects.ts';
import { ChatSocket, socketUrl } from '../support/chat.ts';
import { type TestDatabase, createTestDatabase } from '../support/databases.ts';
import { EDGE, loneSurrogate } from './fuzz-requests.ts';
import { type ServerProcess, call, createProject, ensureBuilt, keepAlive, killAll, size, startServer, ticketBody } from './support.ts';

const FRAMES = size(2_000, 100_000);
const SEED = process.env.PARLEY_FUZZ_SEED === undefined ? undefined : Number(process.env.PARLEY_FUZZ_SEED);
const EVENTS = ['chat/sendMessage', 'chat/updateMessage', 'chat/startTyping', 'chat/stopTyping', 'chat/openRoom', 'user/status', 'nope', ''];

interface Login {
  userID: string;
  accessToken: string;
}

before(ensureBuilt);
after(killAll);

describe('socket fuzz [sqlite]', () => {
  let database: TestDatabase;
  let project: CreatedProject;
  let server: ServerProcess;
  const agent = keepAlive(4);
  const users: Login[] = [];

  async function login(n: number): Promise<Login> {
    const t = await call(agent, server.url, '/v1/server/auth_ticket/request', { 'server-key': project.serverKey.header }, ticketBody(`sf-${n}`, n));
    const s = await call(agent, server.url, '/v1/auth/access_token/request', {
      'app-key': project.appKey.header,
      authorization: `Bearer ${String(t.data.ticket)}`,
    });
    const user = s.data.user as { userID: string };
    return { userID: user.userID, accessToken: String(s.data.accessToken) };
  }
  const open = (u: Login) => ChatSocket.open(socketUrl(server.url.origin, project.appKey.header, u.accessToken));
  const room = (a: Login, b: Login) => [Number(a.userID), Number(b.userID)].sort((x, y) => x - y).join('-');

  before(async () => {
    database = await createTestDatabase('sqlite');
    project = await createProject(database.url);
    // The fuzzer sends thousands of frames as one user: the per-user event rate would refuse most unread.
    server = await startServer(database.url, { PARLEY_SOCKET_EVENT_RATE: '0' });
    for (let i = 0; i < 4; i++) users.push(await login(i));
  });
  after(async () => {
    agent.destroy();
    await killAll();
    await database.drop();
  });

  it(`answers ${FRAMES} hostile frames with well-formed events and keeps everyone chatting`, async () => {
    const [fuzzer, target, alice, bob] = users as [Login, Login, Login, Login];
    const fuzzWs = await open(fuzzer);
    const aliceWs = await open(alice);
    const bobWs = await open(bob);
    // A message of the target's that the fuzzer will try to edit and delete.
    const targetWs = await open(target);
    const theirs = newLocalId();
    targetWs.emit('chat/sendMessage', { localID: theirs, type: 1001, body: encryptContent('mine', theirs), room: { roomID: room(target, alice) } });
    const theirMessage = await targetWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === theirs);

    const text = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom(...EDGE),
      loneSurrogate,
      fc.nat(30).map((n) => 'x'.repeat(n * 4000)),
    );
    const roomId = fc.oneof(
      fc.constantFrom(room(fuzzer, target), room(target, alice), room(fuzzer, fuzzer), '0-1', '1-0', '01-2', 'abc', '', '9007199254740993-1'),
      text,
    );
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'prototype')), tie('v'), { maxKeys: 4 }),
      ),
    })).v;
    const message = fc.record(
      {
        localID: fc.oneof(fc.constant(newLocalId()), fc.constant(theirs), text, fc.integer()),
        messageID: fc.oneof(fc.constant(theirMessage.data.messageID as string), fc.constant('0'), fc.nat().map(String), value),
        type: fc.oneof(fc.constant(1001), fc.constant(9001), fc.integer(), value),
        body: fc.oneof(text, value),
        data: fc.oneof(fc.constant(''), text, value),
        room: fc.oneof(fc.record({ roomID: roomId }), value),
        roomID: roomId,
        quote: value,
        replyTo: value,
        isDeleted: fc.oneof(fc.boolean(), value),
        isRead: fc.boolean(),
        __proto__: value,
      },
      { requiredKeys: [] },
    );
    const frame = fc.oneof(
      fc.record({ eventName: fc.constantFrom(...EVENTS), data: fc.oneof(message, value) }).map((e) => JSON.stringify(e)),
      fc.tuple(fc.constantFrom(...EVENTS), fc.nat(200)).map(([name, depth]) => `{"eventName":"${name}","data":${'['.repeat(depth)}${']'.repeat(depth)}}`),
      fc.string({ maxLength: 50 }),
      fc.constantFrom('', '{', 'null', '[]', '{"eventName":null}', '\u0000', '{"eventName":"chat/sendMessage","data":{"room":{"roomID":"1-2"}}}'),
    );
    const asBinary = fc.boolean();

    let sent = 0;
    let chatted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(frame, asBinary), { minLength: 50, maxLength: 50 }), async (batch) => {
        for (const [f, binary] of batch) fuzzWs.ws.send(binary ? Buffer.from(f) : f, { binary });
        sent += batch.length;
        // Meanwhile, two other users keep talking.
        const localID = newLocalId();
        aliceWs.emit('chat/sendMessage', { localID, type: 1001, body: encryptContent(`msg ${sent}`, localID), room: { roomID: room(alice, bob) } });
        await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === localID, 15_000);
        chatted++;
      }),
      { numRuns: Math.ceil(FRAMES / 50), seed: SEED, endOnFailure: true },
    );
    // Every frame the fuzzer sent has been handled once a final probe is answered (events are in order).
    const probe = fuzzWs.events.length;
    fuzzWs.ws.send('{"eventName":"probe"}');
    await fuzzWs.waitFor((e) => e.eventName === 'error' && e.data.eventName === 'probe', 30_000, probe);

    assert.equal(fuzzWs.ws.readyState, fuzzWs.ws.OPEN, 'the fuzzing socket stays open');
    for (const ws of [fuzzWs, aliceWs, bobWs, targetWs]) assert.deepEqual(ws.problems, []);
    for (const e of fuzzWs.events) {
      assert.equal(typeof e.eventName, 'string');
      if (e.eventName === 'error') assert.ok(['40002', '40301', '40402', '40403', '41300', '40401'].includes(e.data.code), JSON.stringify(e.data));
    }
    assert.equal(
      fuzzWs.events.some((e) => e.eventName === 'error' && e.data.code === '50000'),
      false,
      'no internal errors',
    );
    // The target's message was never changed by the fuzzer.
    const history = await call(
      agent,
      server.url,
      '/v1/chat/message/list_by_room/before',
      { 'app-key': project.appKey.header, authorization: `Bearer ${target.accessToken}` },
      { roomID: room(target, alice), maxCreated: 0, limit: 5 },
    );
    const stored = (history.data.messages as Array<{ localID: string; body: string; isDeleted: boolean }>).find((m) => m.localID === theirs);
    assert.equal(stored?.body, theirMessage.data.body);
    assert.equal(stored?.isDeleted, false);
    assert.equal(chatted, Math.ceil(FRAMES / 50));
    assert.deepEqual(server.problems, [], 'the server logged no errors');
    for (const ws of [fuzzWs, aliceWs, bobWs, targetWs]) await ws.close();
  });
});
