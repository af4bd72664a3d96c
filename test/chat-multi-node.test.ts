// Two Parley nodes on one database, users on different nodes: messages cross through the broker
// (Redis, and NATS as the second adapter), a lost broker note is refilled from the database in
// order, and a logout on one node closes the session's socket on the other. Through Redis, every
// note a node is handed is overwritten as soon as its handler returns, as a client that reuses its
// read memory would (Broker.subscribe lends a note): what reaches a socket must be the node's copy.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { decryptContent } from '../src/chat/cipher.ts';
import { type TestApp, createTestNodes } from './support/app.ts';
import { type ChatUser, ChatSocket, clientCall, listen, loginUser, outgoingMessage, personalRoom, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';

for (const broker of ['redis', 'nats'] as const) {
  await eachDialect(describe, `chat across two nodes through ${broker}`, (dialect) => {
    let a: TestApp;
    let b: TestApp;
    let closeNodes: () => Promise<void>;
    let alice: ChatUser;
    let bob: ChatUser;
    let aliceWs: ChatSocket;
    let bobWs: ChatSocket;
    const env = {
      PARLEY_REDIS_URL: 'redis://127.0.0.1:6379',
      PARLEY_REDIS_PREFIX: `parley-test-${randomBytes(4).toString('hex')}:`,
      PARLEY_BROKER: broker,
    };

    /** Overwrites each note's bytes once every handler of it has returned (Redis only). */
    const emit = Redis.prototype.emit;
    const scrubbing = (on: boolean) => {
      if (broker !== 'redis') return;
      if (!on) {
        Redis.prototype.emit = emit;
        return;
      }
      Redis.prototype.emit = function (this: Redis, event: string | symbol, ...args: unknown[]) {
        const handled = emit.call(this, event, ...args);
        if (event === 'messageBuffer' && Buffer.isBuffer(args[1])) args[1].fill(0x5f);
        return handled;
      };
    };

    before(async () => {
      scrubbing(true);
      ({ a, b, close: closeNodes } = await createTestNodes(dialect, env));
      const [baseA, baseB] = [await listen(a), await listen(b)];
      // One project (node a's), users logged in anywhere: their tokens work on every node.
      alice = await loginUser(a, 'Alice');
      bob = await loginUser(a, 'Bob');
      aliceWs = await ChatSocket.open(socketUrl(baseA, a.project.appKey.header, alice.accessToken));
      bobWs = await ChatSocket.open(socketUrl(baseB, a.project.appKey.header, bob.accessToken));
    });
    after(async () => {
      await aliceWs.close();
      await bobWs.close();
      await closeNodes();
      scrubbing(false);
    });

    it('delivers a message sent on node a to its recipient on node b, and the echo to the sender', async () => {
      const out = outgoingMessage(personalRoom(alice, bob), alice, 'across nodes ✈️');
      aliceWs.emit('chat/sendMessage', out);
      const echo = await aliceWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
      const got = await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
      assert.equal(got.data.messageID, echo.data.messageID);
      assert.equal(decryptContent(got.data.body, out.localID), 'across nodes ✈️');
      assert.equal(got.data.room.name, 'Alice');
    });

    it('refills a lost broker note from the database, in order', async () => {
      const room = personalRoom(alice, bob);
      // Lose exactly one note on its way out of node a (the broker is at-most-once).
      const broker = (a.deps.chat.hub as unknown as { broker: { publish(text: string): void } }).broker;
      const publish = broker.publish.bind(broker);
      let dropped = 0;
      broker.publish = (text: string) => {
        if (dropped === 0 && text.includes('"k":"room"')) dropped++;
        else publish(text);
      };
      const mark = bobWs.events.length;
      const lost = outgoingMessage(room, alice, 'lost on the broker');
      aliceWs.emit('chat/sendMessage', lost);
      await aliceWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === lost.localID);
      broker.publish = publish;
      assert.equal(dropped, 1);
      const next = outgoingMessage(room, alice, 'the next one');
      aliceWs.emit('chat/sendMessage', next);
      await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === next.localID);
      const order = bobWs.events
        .slice(mark)
        .filter((e) => e.eventName === 'chat/sendMessage')
        .map((e) => e.data.localID);
      assert.deepEqual(order, [lost.localID, next.localID]);
    });

    it('carries delivered and read receipts back across nodes', async () => {
      const out = outgoingMessage(personalRoom(alice, bob), alice, 'receipt please');
      aliceWs.emit('chat/sendMessage', out);
      const got = await bobWs.waitFor((e) => e.eventName === 'chat/sendMessage' && e.data.localID === out.localID);
      // Bob's SDK talks to node b (with the project of node a, where the users live).
      const read = await clientCall({ ...b, project: a.project }, bob, '/v1/chat/message/feedback/read', { messageIDs: [got.data.messageID] });
      assert.deepEqual(read.data, { updatedMessageIDs: [got.data.messageID] });
      const receipt = await aliceWs.waitFor((e) => e.eventName === 'chat/updateMessage' && e.data.localID === out.localID && e.data.isRead);
      assert.equal(receipt.data.isDelivered, true);
    });

    it("closes a session's socket on the other node when it logs out", async () => {
      const carol = await loginUser(a, 'Carol');
      const carolWs = await ChatSocket.open(
        socketUrl(`http://127.0.0.1:${(b.app.server.address() as { port: number }).port}`, a.project.appKey.header, carol.accessToken),
      );
      const closed = new Promise<number>((resolve) => carolWs.ws.once('close', (code) => resolve(code)));
      await clientCall(a, carol, '/v1/client/logout');
      assert.equal(await closed, 4001);
    });
  });
}
