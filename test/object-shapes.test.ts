// Objects made on every message's and every login's way share one hidden class (V8's map) from one call
// to the next. Node 20's V8 gives an object spread and then extended (`{ ...a, b }`) a map of its own
// each time, and every property read of such objects then misses its inline cache: 15 misses a chat
// message cost about a tenth of the chat's throughput (docs/performance.md, "2026-12-06, evening").
// V8's own check (%HaveSameMap) tells, with natives syntax switched on for this process. Each object is
// made enough times for its code to leave the interpreter: the first few spread objects share a map.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { type StoredMessage, toMessage, withId } from '../src/repos/messages.ts';
import { listBefore } from '../src/services/message-lists.ts';
import { freshMessage } from '../src/services/messages.ts';
import { redeemTicket } from '../src/services/redemption.ts';
import { refreshSession } from '../src/services/refresh.ts';
import type { MessageRow } from '../src/storage/schema.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { ChatSocket, issueTicket, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const ROUNDS = 30;
/** How many of the objects do not share the map of the one before them. */
const mapChanges = (objects: object[]) => objects.filter((o, i) => i > 0 && !sameMap(o, objects[i - 1] as object)).length;

describe('the map check itself', () => {
  it('tells objects of one shape from objects of another', () => {
    assert.equal(sameMap({ a: 1, b: 'x' }, { a: 2, b: 'y' }), true);
    assert.equal(sameMap({ a: 1, b: 'x' }, { b: 'x', a: 1 }), false);
  });
});

describe('a message just stored', () => {
  const message = (localID: string, at: number) =>
    freshMessage(
      {
        projectId: 'p',
        roomId: '1-2',
        senderId: 1,
        localID,
        type: 1001,
        body: `body ${localID}`,
        data: '',
        extra: { filterID: '', quote: {}, replyTo: {}, forwardFrom: {}, target: {}, recipientID: '0', action: '' },
        isHidden: false,
      },
      at,
    );

  it('is the shape of a message read back', () => {
    const inserted: StoredMessage[] = Array.from({ length: ROUNDS }, (_, i) => withId(message(`m${i}`, 1_700_000_000_123 + i), i + 1));
    const row: MessageRow = {
      id: 3,
      project_id: 'p',
      room_id: '1-2',
      sender_id: 1,
      local_id: 'c',
      type: 1001,
      body: 'body c',
      data: '',
      extra: '{}',
      is_hidden: 0,
      is_delivered: 1,
      is_read: 0,
      is_deleted: 0,
      is_edited: 0,
      created_at: 1_700_000_000_789,
      updated_at: 1_700_000_000_789,
      deleted_at: 0,
    };
    const read = toMessage(row);
    assert.equal(mapChanges(inserted), 0);
    assert.equal(sameMap(inserted[0] as object, read), true);
    assert.deepEqual(Object.keys(inserted[0] as object), Object.keys(read));
  });
});

await eachDialect(describe, "objects on every message's and login's way", (dialect) => {
  let t: TestApp;
  let base: string;
  const device = { deviceId: 'device-1', platform: 'web' };

  before(async () => {
    t = await createTestApp(dialect);
    base = await listen(t);
  });
  after(async () => {
    await t.close();
  });

  it('a message sent on the socket is stored, and listed, as one shape from one message to the next', async () => {
    const [alice, bob] = [await loginUser(t, 'Alice'), await loginUser(t, 'Bob')];
    const socket = await ChatSocket.open(socketUrl(base, t.project.appKey.header, alice.accessToken));
    // What each message's job in the shared transaction answered: its stored message, as delivered.
    const stored: object[] = [];
    const run = t.deps.writes.run.bind(t.deps.writes);
    t.deps.writes.run = (work) =>
      run(work).then((outcome) => {
        if (typeof outcome === 'object' && outcome !== null && 'stored' in outcome) stored.push(outcome.stored as object);
        return outcome;
      });
    try {
      // The first message of a personal room creates its row (the awaited way); the others are stored at once.
      for (let i = 0; i < ROUNDS; i++) {
        const out = outgoingMessage(personalRoom(alice, bob), alice, `message ${i}`);
        socket.emit('chat/sendMessage', out);
        await socket.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
      }
    } finally {
      t.deps.writes.run = run;
      await socket.close();
    }
    assert.equal(stored.length, ROUNDS);
    assert.equal(mapChanges(stored), 0);
    // Listed, as chat/message/list_by_room answers them (services/message-lists.ts).
    const listed = (
      await listBefore(t.deps, { projectId: t.project.projectID, userId: Number(alice.userID) }, personalRoom(alice, bob), t.clock.now() + 60_000, ROUNDS)
    ).messages;
    assert.equal(listed.length, ROUNDS);
    assert.equal(mapChanges(listed), 0);
  });

  it("a login's answer is one shape from one redemption and one refresh to the next", async () => {
    const redeemed = [];
    for (let i = 0; i < ROUNDS; i++)
      redeemed.push(await redeemTicket(t.deps, 'powertalk', t.project.projectID, (await issueTicket(t, `shape-${i}`)).ticket, device));
    assert.equal(mapChanges(redeemed), 0);
    assert.deepEqual(Object.keys(redeemed[0] as object), ['accessToken', 'accessTokenExpiry', 'refreshToken', 'refreshTokenExpiry', 'user']);

    const refreshed = [];
    for (const r of redeemed) refreshed.push(await refreshSession(t.deps, 'powertalk', t.project.projectID, r.refreshToken));
    assert.equal(mapChanges(refreshed), 0);
    assert.deepEqual(Object.keys(refreshed[0] as object), ['accessToken', 'accessTokenExpiry', 'refreshToken', 'refreshTokenExpiry', 'user']);
  });
});
