// Webhooks (issue #12): a project's chat events reach a receiver signed the Standard Webhooks way,
// retried while it fails, in order per room, each once after dropping repeats by webhook-id; and a
// receiver that hangs, redirects or answers without end costs a recorded failure, never more.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decryptContent } from '../src/chat/cipher.ts';
import { listDeliveries } from '../src/repos/webhooks.ts';
import { createEndpoint, deleteEndpoint } from '../src/services/webhooks.ts';
import { type TestApp, createTestApp, post } from './support/app.ts';
import { type ChatUser, ChatSocket, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { type Received, WebhookReceiver } from './support/webhook-receiver.ts';

const FAST_RETRIES = { PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true', PARLEY_WEBHOOK_RETRY_FIRST: '50', PARLEY_WEBHOOK_RETRY_MAX: '200', PARLEY_WEBHOOK_TIMEOUT: '500' };

await eachDialect(describe, 'webhooks', (dialect) => {
  let t: TestApp;
  let base: string;
  let alice: ChatUser;
  let bob: ChatUser;
  let aliceWs: ChatSocket;
  let receiver: WebhookReceiver;

  before(async () => {
    t = await createTestApp(dialect, { ...FAST_RETRIES, PARLEY_WEBHOOK_RETRY_WINDOW: '2000' });
    // Real time: retries are scheduled on it.
    t.clock.now = () => Date.now();
    base = await listen(t);
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
    aliceWs = await ChatSocket.open(socketUrl(base, t.project.appKey.header, alice.accessToken));
    receiver = await WebhookReceiver.start();
  });
  after(async () => {
    await aliceWs.close();
    await receiver.close();
    await t.close();
  });

  async function send(text: string) {
    const out = outgoingMessage(personalRoom(alice, bob), alice, text);
    aliceWs.emit('chat/sendMessage', out);
    await aliceWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
    return out;
  }

  it('writes nothing to the outbox while nobody listens', async () => {
    await send('nobody is listening');
    assert.deepEqual(await listDeliveries(t.deps.db, { projectId: t.project.projectID, limit: 10 }), []);
  });

  it('posts each message once, decrypted and signed, after the receiver failed the first attempts; in order', async () => {
    const endpoint = await createEndpoint(t.deps, t.project.projectID, receiver.url, ['message.sent']);
    receiver.secret = endpoint.secret;
    assert.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    // Every message's first two attempts fail.
    const tries = new Map<string, number>();
    receiver.behaviour = (req) => {
      const id = String(req.headers['webhook-id']);
      const n = (tries.get(id) ?? 0) + 1;
      tries.set(id, n);
      return n <= 2 ? 500 : 200;
    };
    const texts = ['one', 'two', 'three', 'four', 'five'];
    const sent = [];
    for (const text of texts) sent.push(await send(text));
    const got = await receiver.until((r) => new Set(r.map((x) => x.id)).size >= texts.length);
    const unique = [...new Map(got.map((r) => [r.id, r])).values()];
    assert.deepEqual(
      unique.map((r) => r.json.body),
      texts,
      'each message once, in the order sent',
    );
    for (const r of unique) {
      assert.ok(r.valid, 'the signature checks out');
      assert.equal(r.event, 'message.sent');
      assert.ok(Math.abs(r.timestamp - Date.now() / 1000) < 120);
      assert.equal((r.json.user as { fullname: string }).fullname, 'Alice');
      assert.equal((r.json.room as { roomID: string; name: string }).roomID, personalRoom(alice, bob));
      assert.equal((r.json.room as { name: string }).name.split(', ').sort().join(', '), 'Alice, Bob');
      assert.equal(r.json.typeName, 'text');
    }
    for (const [i, r] of unique.entries()) assert.equal(decryptContent((sent[i] as { body: string }).body, r.json.localID as string), r.json.body);
    assert.ok(
      [...tries.values()].every((n) => n === 3),
      'each delivered on its third attempt, with the same webhook-id',
    );
    // The outbox kept only each new message's id, not a copy of it (the body was made when sent).
    const rows = await t.deps.db.selectFrom('webhook_deliveries').select('payload').where('endpoint_id', '=', endpoint.id).execute();
    assert.equal(rows.length, texts.length);
    for (const row of rows) assert.deepEqual(Object.keys(JSON.parse(row.payload)), ['render', 'projectId', 'id']);
    await deleteEndpoint(t.deps, endpoint.id);
  });

  it('records a hung, redirecting or endless receiver as a failure, retries, then gives up; the chat never waits', async () => {
    const endpoint = await createEndpoint(t.deps, t.project.projectID, receiver.url, ['message.sent']);
    receiver.secret = endpoint.secret;
    receiver.received.length = 0;
    let mode: 'hang' | 'redirect' | 'endless' = 'hang';
    receiver.behaviour = (_req, res) => {
      if (mode === 'hang') return 'handled';
      if (mode === 'redirect') {
        res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
        return 'handled';
      }
      // 200 with a body that never ends: the status is what counts, and little of the body is read.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 120);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {}
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      return 'handled';
    };
    const hung = await send('to a receiver that hangs');
    const failed = await until(async () => {
      const rows = await listDeliveries(t.deps.db, { endpointId: endpoint.id, limit: 10 });
      return rows.find((d) => d.status === 'failed');
    });
    assert.match(failed.lastError ?? '', /timeout|Timeout|TIMEOUT/);
    assert.ok(failed.attempts >= 2, `retried: ${failed.attempts} attempts`);
    assert.ok(hung.localID.length > 0);
    mode = 'redirect';
    await send('to a receiver that redirects');
    const redirected = await until(async () => (await listDeliveries(t.deps.db, { endpointId: endpoint.id, limit: 10 })).find((d) => d.lastStatus === 302));
    assert.match(redirected.lastError ?? '', /redirect not followed/);
    mode = 'endless';
    await send('to a receiver that never stops answering');
    await until(async () => (await listDeliveries(t.deps.db, { endpointId: endpoint.id, status: 'delivered', limit: 10 }))[0]);
    // Meanwhile the chat went on: another message echoes at once.
    await send('the chat is not held up');
    await deleteEndpoint(t.deps, endpoint.id);
  });

  it('announces rooms created and changed, and profiles changed through either server endpoint', async () => {
    const endpoint = await createEndpoint(t.deps, t.project.projectID, receiver.url, ['room.created', 'room.updated', 'user.updated']);
    receiver.secret = endpoint.secret;
    receiver.received.length = 0;
    receiver.behaviour = () => 200;
    const group = await clientCall<{ room: { roomID: string } }>(t, alice, '/v1/client/room/create', { name: 'Hooked', type: 2, userIDs: [bob.userID] });
    await clientCall(t, alice, '/v1/client/room/update', { roomID: group.data.room.roomID, name: 'Hooked 2' });
    const server = { 'server-key': t.project.serverKey.header };
    await post(t.app, '/v1/server/user/update', server, { xcUserID: bob.user.xcUserID, fullName: 'Bob B.' });
    const ticketBody = {
      userIPAddress: '10.0.0.1',
      userAgent: 'test',
      userPlatform: 'web',
      userDeviceID: 'device-1',
      xcUserID: bob.user.xcUserID,
      fullName: 'Bob C.',
    };
    await post(t.app, '/v1/server/auth_ticket/request', server, ticketBody);
    // (A message of the test before may still arrive: only this endpoint's events count.)
    const ours = (r: Received[]) => r.filter((x) => !x.event.startsWith('message.'));
    const got = ours(await receiver.until((r) => ours(r).length >= 4));
    assert.deepEqual(
      got.map((r) => r.event),
      ['room.created', 'room.updated', 'user.updated', 'user.updated'],
    );
    for (const r of got) assert.ok(r.valid);
    const [created, renamed, viaUpdate, viaTicket] = got.map((r) => r.json as { type: string; data: Record<string, { name?: string; fullname?: string }> });
    assert.equal(created?.type, 'room.created');
    assert.equal(created?.data.room?.name, 'Hooked');
    assert.equal(renamed?.data.room?.name, 'Hooked 2');
    assert.equal(viaUpdate?.data.user?.fullname, 'Bob B.');
    assert.equal(viaTicket?.data.user?.fullname, 'Bob C.');
    await deleteEndpoint(t.deps, endpoint.id);
  });

  it('refuses private, loopback and non-http URLs unless the operator allows them', async () => {
    const strict = await createTestApp(dialect);
    try {
      for (const url of [
        'http://127.0.0.1:9/x',
        'https://10.1.2.3/x',
        'https://[::1]/x',
        'https://localhost/x',
        'ftp://example.com/x',
        'http://example.com/x',
      ]) {
        await assert.rejects(createEndpoint(strict.deps, strict.project.projectID, url, undefined), /URL/, url);
      }
      await assert.rejects(createEndpoint(strict.deps, strict.project.projectID, 'https://example.com/x', ['message.nope']), /unknown event/);
      const ok = await createEndpoint(strict.deps, strict.project.projectID, 'https://example.com/hook', undefined);
      assert.deepEqual(ok.events, [
        'message.sent',
        'message.updated',
        'message.deleted',
        'room.created',
        'room.updated',
        'user.updated',
        'case.resolved',
        'case.created',
        'case.assigned',
        'case.updated',
        'case.reopened',
        'case.rated',
      ]);
    } finally {
      await strict.close();
    }
  });
});

/** Polls `probe` until it returns something (fails after 30 s). */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not reached in time: ${JSON.stringify(found)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
