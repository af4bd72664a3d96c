// Where a new message's `message.sent` waits before it is delivered: on SQLite the messages table is its
// outbox (the dispatcher writes the deliveries later, services/message-announcements.ts); on PostgreSQL
// a delivery row is written in the message's transaction. Either way: a message stored is announced once
// even if no dispatcher ran when it was stored, an endpoint hears only the messages stored from its
// creation on, and a room's change goes out after the room's earlier messages.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createEndpoint } from '../src/services/webhooks.ts';
import { type TestApp, createTestApp, post } from './support/app.ts';
import { eachDialect } from './support/databases.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';

const ALLOW = { PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true' };

await eachDialect(describe, 'webhook outbox of new messages', (dialect) => {
  const opened: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    // The node that made the database drops it: it closes last.
    for (const o of opened.reverse()) await o.close();
  });

  /** A node without a dispatcher (as a CLI command is, or a node that died before its dispatcher ran). */
  async function quietNode(): Promise<TestApp> {
    const t = await createTestApp(dialect, ALLOW, undefined, { workers: false });
    t.clock.now = () => Date.now();
    opened.push(t);
    for (const xcUserID of ['ann', 'ben']) {
      const res = await serverCall(t, t, '/v1/server/user/update', { xcUserID, fullName: xcUserID.toUpperCase() });
      assert.equal(res.status, 200, JSON.stringify(res.body.error));
    }
    return t;
  }

  const serverCall = (node: TestApp, owner: TestApp, path: string, body: unknown) =>
    post<Record<string, unknown>>(node.app, path, { 'server-key': owner.project.serverKey.header }, body);
  const say = (node: TestApp, owner: TestApp, body: string) =>
    serverCall(node, owner, '/v1/server/message/send/custom', { senderXCUserID: 'ann', recipientXCUserID: 'ben', messageType: 1001, body });

  it('announces each message stored while no dispatcher ran, once, when one runs; only those from the endpoint’s creation on', async () => {
    const quiet = await quietNode();
    const receiver = await WebhookReceiver.start();
    opened.push(receiver);
    assert.equal((await say(quiet, quiet, 'before the endpoint')).status, 200);
    await new Promise((r) => setTimeout(r, 5));
    receiver.secret = (await createEndpoint(quiet.deps, quiet.project.projectID, receiver.url, ['message.sent'])).secret;
    // Stored milliseconds after the endpoint: an endpoint hears messages stored from its creation on.
    await new Promise((r) => setTimeout(r, 5));
    for (const text of ['one', 'two', 'three']) assert.equal((await say(quiet, quiet, text)).status, 200);

    // A node with a dispatcher on the same database delivers them.
    const live = await createTestApp(dialect, { ...ALLOW, PARLEY_DATABASE_URL: quiet.databaseUrl });
    live.clock.now = () => Date.now();
    opened.push(live);
    const got = await receiver.until((r) => r.length >= 3);
    // The payload carries the body decrypted.
    const bodies = got.map((r) => (r.json as { body: string }).body);
    assert.deepEqual(bodies, ['one', 'two', 'three']);
    assert.equal(new Set(got.map((r) => r.id)).size, 3, 'three distinct webhook-ids');
    assert.ok(
      got.every((r) => r.valid),
      'signed with the endpoint’s secret',
    );
    // Nothing more comes: no repeat, and nothing from before the endpoint.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(receiver.received.length, 3);
  });

  it('writes a room’s change after the room’s messages that came before it', async () => {
    const quiet = await quietNode();
    await createEndpoint(quiet.deps, quiet.project.projectID, 'http://127.0.0.1:9/hook', ['message.sent', 'room.updated']);
    const room = await serverCall(quiet, quiet, '/v1/server/room/create_or_update', {
      xcRoomID: 'order-1',
      type: 4,
      name: 'Order 1',
      participantXCUserIDs: ['ann', 'ben'],
    });
    assert.equal(room.status, 200, JSON.stringify(room.body.error));
    const roomID = (room.body.data.room as { roomID: string }).roomID;
    const sent = await serverCall(quiet, quiet, '/v1/server/message/send/custom', {
      senderXCUserID: 'ann',
      xcRoomID: 'order-1',
      messageType: 1001,
      body: 'shipped',
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body.error));
    const renamed = await serverCall(quiet, quiet, '/v1/server/room/create_or_update', { xcRoomID: 'order-1', type: 4, name: 'Order 1 (shipped)' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body.error));
    const rows = await quiet.deps.db.selectFrom('webhook_deliveries').select('event').where('order_key', '=', `room:${roomID}`).orderBy('id').execute();
    // The room's system message at its creation and 'shipped', then the rename (its own system
    // message may follow).
    const events = rows.map((r) => r.event);
    assert.deepEqual(events.slice(0, 3), ['message.sent', 'message.sent', 'room.updated']);
  });
});
