// Scheduled messages (client API chat/scheduled_message/*, services/scheduler.ts): each endpoint's
// answer and refusals, the room/scheduleMessage events, delivery when due (exactly once, also with
// two nodes claiming at the same moment, and again when a node stored a message and died before
// delivering it). The scheduler's timer is off here: each round is run by the test, on its clock.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decryptContent } from '../src/chat/cipher.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { DELIVERY_LEASE_MS, runScheduler, storeScheduled } from '../src/services/scheduler.ts';
import { findDue } from '../src/repos/scheduled-messages.ts';
import { type Envelope, type TestApp, createTestApp, createTestNodes } from './support/app.ts';
import { type ChatUser, ChatSocket, type SocketEvent, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { tcpProxy } from './support/tcp-proxy.ts';

function refused(res: Envelope, status: number, code: string, field?: string): void {
  assert.equal(res.status, status, JSON.stringify(res));
  assert.equal(res.error.code, code, JSON.stringify(res));
  if (field !== undefined) assert.equal(res.error.field, field, JSON.stringify(res));
  assert.deepEqual(res.data, {});
}

function succeeded<T = Record<string, unknown>>(res: Envelope): T {
  assert.equal(res.status, 200, JSON.stringify(res.error));
  assert.equal(res.error.code, '');
  return res.data as T;
}

interface Item {
  id: number;
  scheduledTime: number;
  createdTime: number;
  updatedTime: number;
  message: {
    messageID: string;
    localID: string;
    body: string;
    type: number;
    room: { roomID: string; name: string };
    user: { userID: string };
    created: number;
  };
}

const MINUTE = 60_000;
const SCHEDULED = '/v1/chat/scheduled_message';
const text = (e: SocketEvent) => decryptContent(e.data.body, e.data.localID);

await eachDialect(describe, 'scheduled messages', (dialect) => {
  let t: TestApp;
  let alice: ChatUser;
  let bob: ChatUser;
  let carol: ChatUser;
  let room: string;
  const sockets = new Map<string, ChatSocket>();
  const ws = (u: ChatUser) => sockets.get(u.userID) as ChatSocket;
  const call = (u: ChatUser, path: string, body: unknown) => clientCall(t, u, `${SCHEDULED}/${path}`, body);
  const schedule = async (u: ChatUser, roomID: string, words: string, inMs = MINUTE) => {
    const message = outgoingMessage(roomID, u, words);
    const res = succeeded<{ success: boolean; message: string; createdItem: Item }>(await call(u, 'create', { message, scheduledTime: t.clock.now() + inMs }));
    return { ...res.createdItem, localID: message.localID };
  };
  const list = async (u: ChatUser, roomID: string) => succeeded<{ items: Item[] }>(await call(u, 'get_scheduled_list', { roomID })).items;
  const history = async (u: ChatUser, roomID: string) =>
    succeeded<{ messages: Array<{ localID: string }> }>(await clientCall(t, u, '/v1/chat/message/list_by_room/before', { roomID, limit: 200 })).messages;

  before(async () => {
    t = await createTestApp(dialect, { PARLEY_SCHEDULER_INTERVAL: '0', PARLEY_CLIENT_CALL_RATE: '0' });
    const base = await listen(t);
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
    carol = await loginUser(t, 'Carol');
    room = personalRoom(alice, bob);
    for (const u of [alice, bob, carol]) sockets.set(u.userID, await ChatSocket.open(socketUrl(base, t.project.appKey.header, u.accessToken)));
  });
  after(async () => {
    for (const s of sockets.values()) assert.deepEqual(s.problems, []);
    for (const s of sockets.values()) await s.close();
    await t.close();
  });

  it('create: answers the item as it will be sent, and tells the sender’s devices', async () => {
    const mark = { alice: ws(alice).events.length, bob: ws(bob).events.length };
    const message = outgoingMessage(room, alice, 'Happy birthday 🎂');
    const at = t.clock.now() + MINUTE;
    const res = succeeded<{ success: boolean; message: string; createdItem: Item }>(await call(alice, 'create', { message, scheduledTime: at }));
    assert.equal(res.success, true);
    const item = res.createdItem;
    assert.ok(Number.isSafeInteger(item.id) && item.id > 0);
    assert.deepEqual([item.scheduledTime, item.createdTime, item.updatedTime], [at, t.clock.now(), t.clock.now()]);
    assert.equal(item.message.messageID, '0');
    assert.equal(item.message.localID, message.localID);
    assert.equal(item.message.body, message.body, 'the content as the client encrypted it');
    assert.equal(item.message.created, at);
    assert.deepEqual([item.message.room.roomID, item.message.room.name, item.message.user.userID], [room, 'Bob', alice.userID]);
    const told = await ws(alice).waitFor((e) => e.eventName === 'room/scheduleMessage', 5000, mark.alice);
    assert.equal(told.data.room.roomID, room);
    assert.equal(typeof told.data.timestamp, 'number');
    assert.deepEqual(
      ws(bob)
        .events.slice(mark.bob)
        .map((e) => e.eventName),
      [],
      'the recipient hears nothing before it is sent',
    );
    // The client retrying (same localID) gets the same row back, not a second one.
    const again = succeeded<{ createdItem: Item }>(await call(alice, 'create', { message, scheduledTime: at + MINUTE }));
    assert.equal(again.createdItem.id, item.id);
    assert.deepEqual(
      (await list(alice, room)).map((i) => i.id),
      [item.id],
    );
    assert.deepEqual(await list(bob, room), [], 'only the sender sees it');
    succeeded(await call(alice, 'delete', { ids: [item.id], roomID: room }));
  });

  it('create: refuses a time not ahead or too far ahead, a bad message, a room one may not write to', async () => {
    const create = (u: ChatUser, message: unknown, scheduledTime: unknown = t.clock.now() + MINUTE) => call(u, 'create', { message, scheduledTime });
    const good = () => outgoingMessage(room, alice, 'x');
    refused(await create(alice, good(), t.clock.now()), 400, '40002', 'scheduledTime');
    refused(await create(alice, good(), t.clock.now() - 1), 400, '40002', 'scheduledTime');
    refused(await create(alice, good(), t.clock.now() + 366 * 86_400_000), 400, '40002', 'scheduledTime');
    refused(await create(alice, good(), 'tomorrow'), 400, '40002', 'scheduledTime');
    refused(await call(alice, 'create', { message: good() }), 400, '40002', 'scheduledTime');
    refused(await call(alice, 'create', { scheduledTime: t.clock.now() + MINUTE }), 400, '40002', 'message');
    refused(await create(alice, 'hello'), 400, '40002', 'message');
    refused(await create(alice, { ...good(), type: 9001, action: 'room/delete' }), 403, '40301', 'message.type');
    refused(await create(alice, { ...good(), localID: 'has space' }), 400, '40002', 'message.localID');
    refused(await create(alice, { ...good(), room: undefined }), 400, '40002', 'message.room');
    refused(await create(alice, { ...good(), body: 'x'.repeat(70_000) }), 413, '41300');
    refused(await create(alice, { ...good(), body: 'nul\u0000' }), 400, '40002', 'message.body');
    refused(await create(carol, outgoingMessage(room, carol, 'not my room')), 403, '40301', 'message.room.roomID');
    refused(await create(alice, outgoingMessage('nosuchroom', alice, 'x')), 404, '40402', 'message.room.roomID');
    refused(await call(carol, 'get_scheduled_list', { roomID: room }), 403, '40301', 'roomID');
    refused(await call(alice, 'get_scheduled_list', {}), 400, '40002', 'roomID');
    // A localID that was sent already cannot be scheduled.
    const sent = outgoingMessage(room, alice, 'sent by hand');
    const mark = ws(bob).events.length;
    ws(alice).emit('chat/sendMessage', sent);
    await ws(bob).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === sent.localID, 5000, mark);
    refused(await create(alice, sent), 400, '40002', 'message.localID');
    assert.deepEqual(await list(alice, room), [], 'nothing was scheduled by any refusal');
  });

  it('create: at most 100 waiting per sender and room', async () => {
    const group = succeeded<{ room: { roomID: string } }>(await clientCall(t, carol, '/v1/client/room/create', { name: 'Many', type: 2, userIDs: [] })).room
      .roomID;
    const ids: number[] = [];
    for (let i = 0; i < 100; i++) ids.push((await schedule(carol, group, `n${i}`, MINUTE + i)).id);
    refused(
      await call(carol, 'create', { message: outgoingMessage(group, carol, 'one too many'), scheduledTime: t.clock.now() + MINUTE }),
      403,
      '40301',
      'message',
    );
    assert.equal((await list(carol, group)).length, 100);
    assert.deepEqual(succeeded<{ ids: number[] }>(await call(carol, 'delete', { ids, roomID: group })).ids, ids);
  });

  it('edit_scheduled_time and edit_content: the sender’s own waiting messages only', async () => {
    const a = await schedule(alice, room, 'first draft');
    const mark = ws(alice).events.length;
    const later = t.clock.now() + 5 * MINUTE;
    assert.deepEqual(succeeded(await call(alice, 'edit_scheduled_time', { id: a.id, scheduledTime: later })), {
      success: true,
      message: 'Scheduled time updated',
    });
    await ws(alice).waitFor((e) => e.eventName === 'room/scheduleMessage', 5000, mark);
    const edited = outgoingMessage(room, alice, 'final words');
    assert.equal(succeeded(await call(alice, 'edit_content', { id: String(a.id), message: edited })).success, true);
    const [item] = await list(alice, room);
    assert.deepEqual([item?.id, item?.scheduledTime, item?.message.localID, item?.message.body], [a.id, later, edited.localID, edited.body]);

    refused(await call(bob, 'edit_scheduled_time', { id: a.id, scheduledTime: later }), 404, '40403', 'id');
    refused(await call(bob, 'edit_content', { id: a.id, message: outgoingMessage(room, bob, 'mine now') }), 404, '40403', 'id');
    refused(await call(alice, 'edit_scheduled_time', { id: 999_999, scheduledTime: later }), 404, '40403', 'id');
    refused(await call(alice, 'edit_scheduled_time', { id: a.id, scheduledTime: t.clock.now() }), 400, '40002', 'scheduledTime');
    refused(await call(alice, 'edit_scheduled_time', { scheduledTime: later }), 400, '40002', 'id');
    refused(await call(alice, 'edit_scheduled_time', { id: 'one', scheduledTime: later }), 400, '40002', 'id');
    refused(
      await call(alice, 'edit_content', { id: a.id, message: outgoingMessage(personalRoom(alice, carol), alice, 'elsewhere') }),
      400,
      '40002',
      'message.room.roomID',
    );
    refused(await call(alice, 'edit_content', { id: a.id, message: { ...edited, type: 9001 } }), 403, '40301', 'message.type');
    refused(await call(alice, 'edit_content', { id: a.id }), 400, '40002', 'message');
    const [still] = await list(alice, room);
    assert.deepEqual([still?.scheduledTime, still?.message.body], [later, edited.body], 'no refusal changed anything');
    succeeded(await call(alice, 'delete', { ids: [a.id], roomID: room }));
  });

  it('is sent when due, exactly once, marked isScheduled, and leaves the list', async () => {
    const s = await schedule(alice, room, 'Due now ⏰');
    const mark = { alice: ws(alice).events.length, bob: ws(bob).events.length };
    assert.equal(await runScheduler(t.deps), 0, 'not due yet');
    t.clock.advance(MINUTE);
    assert.equal(await runScheduler(t.deps), 1);
    const got = await ws(bob).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === s.localID, 5000, mark.bob);
    assert.equal(text(got), 'Due now ⏰');
    assert.equal(got.data.user.userID, alice.userID);
    assert.equal(got.data.room.name, 'Alice', 'named for Bob after Alice, like any message');
    const frame = ws(bob).events.find((e) => e.data?.localID === s.localID) as SocketEvent & { isScheduled?: boolean };
    assert.equal(frame.isScheduled, true);
    await ws(alice).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === s.localID, 5000, mark.alice);
    await ws(alice).waitFor((e) => e.eventName === 'room/scheduleMessage' && e.data.room.roomID === room, 5000, mark.alice);
    assert.equal(await runScheduler(t.deps), 0, 'a second round sends nothing');
    assert.equal((await history(bob, room)).filter((m) => m.localID === s.localID).length, 1);
    assert.deepEqual(await list(alice, room), []);
    refused(await call(alice, 'edit_scheduled_time', { id: s.id, scheduledTime: t.clock.now() + MINUTE }), 404, '40403', 'id');
  });

  it('send_now sends at once; delete removes; both answer only the ids they acted on', async () => {
    const a = await schedule(alice, room, 'now please');
    const b = await schedule(alice, room, 'never mind');
    const c = await schedule(carol, personalRoom(carol, bob), 'carol’s');
    const mark = ws(bob).events.length;
    const sent = succeeded<{ ids: number[] }>(await call(alice, 'send_now', { ids: [a.id, c.id, 424_242], roomID: room }));
    assert.deepEqual(sent.ids, [a.id]);
    const got = await ws(bob).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === a.localID, 5000, mark);
    assert.equal(text(got), 'now please');
    const deleted = succeeded<{ ids: number[] }>(await call(alice, 'delete', { ids: [b.id, a.id, c.id], roomID: room }));
    assert.deepEqual(deleted.ids, [b.id]);
    assert.deepEqual(await list(alice, room), []);
    assert.equal((await list(carol, personalRoom(carol, bob))).length, 1, "another sender's message is untouched");
    refused(await call(alice, 'send_now', { ids: 'all', roomID: room }), 400, '40002', 'ids');
    refused(await call(alice, 'delete', { ids: [0], roomID: room }), 400, '40002', 'ids');
    refused(await call(alice, 'delete', { ids: [a.id] }), 400, '40002', 'roomID');
    refused(await call(carol, 'send_now', { ids: [a.id], roomID: room }), 403, '40301', 'roomID');
    succeeded(await call(carol, 'delete', { ids: [c.id], roomID: personalRoom(carol, bob) }));
  });

  it('is dropped, not sent, when its sender left the room or was blocked since', async () => {
    const group = succeeded<{ room: { roomID: string } }>(
      await clientCall(t, bob, '/v1/client/room/create', { name: 'Soon left', type: 2, userIDs: [alice.userID] }),
    ).room.roomID;
    const toGroup = await schedule(alice, group, 'to the group');
    const toBob = await schedule(alice, room, 'to Bob');
    succeeded(await clientCall(t, alice, '/v1/client/room/leave', { roomID: group }));
    succeeded(await clientCall(t, bob, '/v1/client/contact/block', { userID: alice.userID }));
    t.clock.advance(MINUTE);
    assert.equal(await runScheduler(t.deps), 0);
    assert.equal(
      (await history(bob, group)).some((m) => m.localID === toGroup.localID),
      false,
    );
    assert.equal(
      (await history(bob, room)).some((m) => m.localID === toBob.localID),
      false,
    );
    assert.deepEqual(await findDue(t.deps.db, t.clock.now(), 10), [], 'the rows are gone');
    succeeded(await clientCall(t, bob, '/v1/client/contact/unblock', { userID: alice.userID }));
  });

  it('a message stored by a node that died before delivering it is delivered by the next round after the lease', async () => {
    const s = await schedule(alice, room, 'stored, then the node died');
    t.clock.advance(MINUTE);
    // What a node does before it dies: claim and store, in one transaction; no delivery.
    const [due] = await findDue(t.deps.db, t.clock.now(), 10);
    assert.equal((await storeScheduled(t.deps, [due as NonNullable<typeof due>])).length, 1);
    const mark = ws(bob).events.length;
    assert.equal(await runScheduler(t.deps), 0, 'stored already: not stored again');
    t.clock.advance(DELIVERY_LEASE_MS);
    await runScheduler(t.deps);
    const got = await ws(bob).waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === s.localID, 5000, mark);
    assert.equal(text(got), 'stored, then the node died');
    assert.equal((await history(bob, room)).filter((m) => m.localID === s.localID).length, 1);
    t.clock.advance(DELIVERY_LEASE_MS);
    const before = ws(bob).events.length;
    await runScheduler(t.deps);
    await runScheduler(t.deps);
    assert.equal(
      ws(bob)
        .events.slice(before)
        .some((e) => e.data?.localID === s.localID),
      false,
      'delivered once more, not forever',
    );
  });
});

await eachDialect(describe, 'scheduled messages on two nodes', (dialect) => {
  it('two nodes claiming at the same moment store each message exactly once', async () => {
    const nodes = await createTestNodes(dialect, { PARLEY_SCHEDULER_INTERVAL: '0' });
    try {
      const { a, b } = nodes;
      const alice = await loginUser(a, 'Alice');
      const bob = await loginUser(a, 'Bob');
      const carol = await loginUser(a, 'Carol');
      const rooms = [personalRoom(alice, bob), personalRoom(alice, carol)];
      const localIDs: string[] = [];
      for (let i = 0; i < 40; i++) {
        const message = outgoingMessage(rooms[i % 2] as string, alice, `#${i}`);
        localIDs.push(message.localID);
        succeeded(await clientCall(a, alice, `${SCHEDULED}/create`, { message, scheduledTime: a.clock.now() + MINUTE + (i % 3) }));
      }
      a.clock.advance(2 * MINUTE);
      b.clock.ms = a.clock.ms;
      const rounds = await Promise.allSettled([runScheduler(a.deps), runScheduler(b.deps)]);
      if (dialect === 'postgres') {
        // Row locks taken with SKIP LOCKED: the nodes share the rows out, neither waits nor fails.
        const [fromA, fromB] = rounds.map((r) => (r.status === 'fulfilled' ? r.value : Number.NaN)) as [number, number];
        assert.equal(fromA + fromB, 40, `a stored ${fromA}, b stored ${fromB}`);
      }
      // SQLite has one writer at a time: a node whose round found the file locked retries next round.
      for (let i = 0; i < 3; i++) await runScheduler(i % 2 === 0 ? a.deps : b.deps);
      const stored: string[] = [];
      for (const roomID of rooms) {
        const page = succeeded<{ messages: Array<{ localID: string }> }>(
          await clientCall(a, alice, '/v1/chat/message/list_by_room/before', { roomID, limit: 200 }),
        );
        stored.push(...page.messages.map((m) => m.localID));
      }
      assert.deepEqual(stored.sort(), [...localIDs].sort(), 'every message once, none twice');
      assert.equal((await runScheduler(a.deps)) + (await runScheduler(b.deps)), 0);
    } finally {
      await nodes.close();
    }
  });
});

// The row of a stored message goes only once the broker took its note: a node whose link to Redis
// broke with the note unsent used to delete the row all the same, and the recipient on another node
// never heard of the message (a later event in the room would have refilled it, if one came).
await eachDialect(describe, 'scheduled messages whose note the broker never took', (dialect) => {
  it('keeps the row; another node delivers the message after the lease', async () => {
    const proxy = await tcpProxy(6379);
    const env = { PARLEY_SCHEDULER_INTERVAL: '0', PARLEY_REDIS_PREFIX: `parley-test-${randomBytes(4).toString('hex')}:`, PARLEY_REDIS_TIMEOUT: '200' };
    const a = await createTestApp(dialect, { ...env, PARLEY_REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    const b = await createTestApp(dialect, { ...env, PARLEY_REDIS_URL: 'redis://127.0.0.1:6379', PARLEY_DATABASE_URL: a.databaseUrl });
    let socket: ChatSocket | undefined;
    try {
      const alice = await loginUser(a, 'Alice');
      const bob = await loginUser(a, 'Bob');
      socket = await ChatSocket.open(socketUrl(await listen(b), a.project.appKey.header, bob.accessToken));
      const message = outgoingMessage(personalRoom(alice, bob), alice, 'across a broken link');
      succeeded(await clientCall(a, alice, `${SCHEDULED}/create`, { message, scheduledTime: a.clock.now() + MINUTE }));
      a.clock.advance(MINUTE);
      // Node a's Redis hears nothing from now on; its link then breaks, the note unsent.
      proxy.hold();
      assert.equal(await runScheduler(a.deps), 1, 'stored by node a');
      proxy.cut();
      const stored = await a.deps.db.selectFrom('scheduled_messages').select(['message_id']).execute();
      assert.equal(stored.length, 1, 'the row is kept: its delivery was not confirmed');
      assert.notEqual(stored[0]?.message_id, null);
      b.clock.ms = a.clock.ms + DELIVERY_LEASE_MS;
      await runScheduler(b.deps);
      const got = await socket.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === message.localID);
      assert.equal(text(got), 'across a broken link');
      assert.deepEqual(await a.deps.db.selectFrom('scheduled_messages').select(['id']).execute(), [], 'delivered: the row is gone');
      const page = succeeded<{ messages: Array<{ localID: string }> }>(
        await clientCall(a, bob, '/v1/chat/message/list_by_room/before', { roomID: personalRoom(alice, bob), limit: 20 }),
      );
      assert.equal(page.messages.filter((m) => m.localID === message.localID).length, 1, 'stored once');
    } finally {
      await socket?.close();
      await b.close();
      await a.close();
      await proxy.close();
    }
  });
});

await eachDialect(describe, 'the scheduler of a serving process', (dialect) => {
  it('runs once the app listens, every PARLEY_SCHEDULER_INTERVAL ms, and stops when it closes', async () => {
    const t = await createTestApp(dialect, { PARLEY_SCHEDULER_INTERVAL: '20' });
    let socket: ChatSocket | undefined;
    try {
      const alice = await loginUser(t, 'Alice');
      const bob = await loginUser(t, 'Bob');
      const message = outgoingMessage(personalRoom(alice, bob), alice, 'sent by the loop');
      succeeded(await clientCall(t, alice, `${SCHEDULED}/create`, { message, scheduledTime: t.clock.now() + MINUTE }));
      const base = await listen(t);
      socket = await ChatSocket.open(socketUrl(base, t.project.appKey.header, bob.accessToken));
      // Due only once Bob listens: a delivery before his socket opened would pass him by.
      t.clock.advance(MINUTE);
      const got = await socket.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === message.localID);
      assert.equal(text(got), 'sent by the loop');
    } finally {
      await socket?.close();
      await t.close();
    }
  });
});

it('PARLEY_SCHEDULER_INTERVAL: milliseconds from 0 (this node sends none) to 60000, default 1000', () => {
  const problems = (value: string) => {
    try {
      loadConfig({ PARLEY_SCHEDULER_INTERVAL: value });
      return [];
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems;
    }
  };
  for (const bad of ['soon', '-1', '60001', '1.5']) assert.match(problems(bad).join('\n'), /^PARLEY_SCHEDULER_INTERVAL: /, bad);
  assert.deepEqual(problems('0'), []);
  assert.equal(loadConfig({}).schedulerInterval, 1000);
  assert.equal(loadConfig({ PARLEY_SCHEDULER_INTERVAL: '0' }).schedulerInterval, 0);
});
