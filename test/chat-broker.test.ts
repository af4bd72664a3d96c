// Both fan-out brokers, each as two "nodes" on one random channel/subject: every note reaches every
// node, its sender included, in order. Under CI=true an unreachable Redis or NATS fails the run;
// elsewhere that broker's suite is skipped loudly.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eventually } from './support/eventually.ts';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { pino } from 'pino';
import { type Broker, redisBroker } from '../src/chat/broker.ts';
import { natsBroker } from '../src/chat/broker-nats.ts';
import { type RedisLink, openRedis, redisLink } from '../src/redis.ts';

const logger = pino({ level: 'silent' }) as FastifyBaseLogger;
const REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NATS_URL = process.env.PARLEY_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

interface Node {
  broker: Broker;
  received: string[];
  closed: boolean;
  /** Notes the broker could not send (its publishFailed callback). */
  failures(): number;
  /** Closes what the broker does not own (the Redis publishing client). */
  release(): Promise<void>;
}

interface Kind {
  name: string;
  url: string;
  /** Rejects when the service cannot be reached. */
  probe(): Promise<void>;
  open(topic: string, publishFailed: (notes: number) => void): Promise<{ broker: Broker; release(): Promise<void> }>;
  /** A plain subscriber of the service's own client: the messages on the wire, as they travel. */
  tap(topic: string): Promise<{ messages: string[]; close(): Promise<void> }>;
}

const KINDS: Kind[] = [
  {
    name: 'Redis',
    url: REDIS_URL,
    async probe() {
      const redis = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 2000 });
      try {
        await redis.connect();
        await redis.ping();
      } finally {
        redis.disconnect();
      }
    },
    async open(channel, publishFailed) {
      const redis = new Redis(this.url);
      return {
        broker: redisBroker(redisLink(redis, logger), channel, logger, publishFailed),
        release: async () => {
          if (redis.status !== 'end') await redis.quit();
        },
      };
    },
    async tap(channel) {
      const redis = new Redis(this.url);
      const messages: string[] = [];
      redis.on('message', (_channel: string, text: string) => messages.push(text));
      await redis.subscribe(channel);
      return { messages, close: async () => void (await redis.quit()) };
    },
  },
  {
    name: 'NATS',
    url: NATS_URL,
    async probe() {
      const nc = await connect({ servers: this.url, maxReconnectAttempts: 0, timeout: 2000 });
      await nc.close();
    },
    async open(subject, publishFailed) {
      return { broker: await natsBroker(this.url, subject, logger, publishFailed), release: async () => {} };
    },
    async tap(subject) {
      const nc = await connect({ servers: this.url });
      const messages: string[] = [];
      nc.subscribe(subject, { callback: (_err, msg) => messages.push(msg.string()) });
      await nc.flush();
      return { messages, close: () => nc.close() };
    },
  },
];

/** Polls until `check` holds: delivery is asynchronous. */

for (const kind of KINDS) {
  const problem = await kind.probe().then(
    () => undefined,
    (err: Error) => err.message || String(err),
  );
  const skip = problem !== undefined && process.env.CI !== 'true';
  if (skip) console.warn(`\n!!! ${kind.name} unreachable at ${kind.url}: ${kind.name} broker tests are SKIPPED (they fail under CI=true)\n`);

  describe(`${kind.name} broker, two nodes`, { skip: skip && `${kind.name} unreachable at ${kind.url}` }, () => {
    const topic = `parley-test-${randomBytes(4).toString('hex')}`;
    const nodes: Node[] = [];
    let a: Node;
    let b: Node;

    before(async () => {
      if (problem !== undefined) assert.fail(`${kind.name} is required under CI=true but ${kind.url} is unreachable: ${problem}`);
      for (let i = 0; i < 2; i++) {
        let failures = 0;
        const { broker, release } = await kind.open(topic, (notes) => (failures += notes));
        const node: Node = { broker, received: [], closed: false, release, failures: () => failures };
        await broker.subscribe((data) => node.received.push(data.toString()));
        nodes.push(node);
      }
      [a, b] = nodes as [Node, Node];
    });
    after(async () => {
      for (const node of nodes) {
        // Only once: a second close of the Redis broker holds the process open for ~2 s.
        if (!node.closed) await node.broker.close();
        await node.release();
      }
    });

    it('delivers a note to the other node and to its sender', async () => {
      a.broker.publish('from a');
      b.broker.publish('from b');
      for (const node of [a, b]) {
        await eventually('both notes everywhere', () => node.received.length >= 2);
        assert.deepEqual([...node.received].sort(), ['from a', 'from b']);
      }
      assert.equal(a.broker.name, kind.name.toLowerCase());
    });

    it("drops a subscriber's own notes unread when it names their prefix, and no other note", async () => {
      const { broker: c, release } = await kind.open(topic, () => {});
      const heard: string[] = [];
      try {
        await c.subscribe((data) => heard.push(data.toString()), '{"n":"c"');
        // Until its publishing client is connected, a Redis node's publishes fail at once.
        const probe = '{"n":"probe"}';
        await eventually('a note from c', () => {
          c.publish(probe);
          return a.received.includes(probe);
        });
        await eventually('the probes at c', () => heard.includes(probe));
        await new Promise((r) => setTimeout(r, 50));
        heard.length = a.received.length = b.received.length = 0;
        for (const text of ['{"n":"c","k":"x"}', '{"n":"cc","k":"x"}', '{"n":"c"', '{"n":"é","k":"x"}']) c.publish(text);
        a.broker.publish('{"n":"a","k":"x"}');
        await eventually('the notes at a', () => a.received.length >= 5);
        await eventually('the notes at c', () => heard.length >= 3);
        await new Promise((r) => setTimeout(r, 50));
        // Two publishers: their notes may interleave either way.
        assert.deepEqual(
          heard.filter((t) => t !== '{"n":"a","k":"x"}'),
          ['{"n":"cc","k":"x"}', '{"n":"é","k":"x"}'],
          'only its own are dropped',
        );
        assert.ok(heard.includes('{"n":"a","k":"x"}'));
        assert.equal(heard.length, 3);
      } finally {
        await c.close();
        await release();
      }
    });

    it('delivers 1000 notes in order', async () => {
      a.received.length = b.received.length = 0;
      const notes = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ seq: i, room: 'r1' }));
      const mark = a.broker.mark();
      for (const note of notes) a.broker.publish(note);
      assert.equal(a.broker.mark(), mark + notes.length);
      assert.equal(await a.broker.sentSince(mark), true, 'the broker took them all');
      for (const node of [a, b]) {
        await eventually('1000 notes', () => node.received.length >= notes.length);
        assert.deepEqual(node.received, notes);
      }
    });

    it("sends a turn's notes as one message, joined by an empty line, and hands them over one by one", async () => {
      const tap = await kind.tap(topic);
      try {
        a.received.length = b.received.length = 0;
        const turn = Array.from({ length: 50 }, (_, i) => `{"n":"a","i":${i}}`);
        for (const note of turn) a.broker.publish(note);
        // The next turn's notes travel apart from these.
        await new Promise((r) => setImmediate(r));
        a.broker.publish('{"n":"a","next":1}');
        a.broker.publish('{"n":"a","next":2}');
        const all = [...turn, '{"n":"a","next":1}', '{"n":"a","next":2}'];
        for (const node of [a, b]) {
          await eventually('every note', () => node.received.length >= all.length);
          assert.deepEqual(node.received, all);
        }
        await eventually('both messages on the wire', () => tap.messages.length >= 2);
        assert.deepEqual(tap.messages, [turn.join('\n\n'), '{"n":"a","next":1}\n\n{"n":"a","next":2}']);
      } finally {
        await tap.close();
      }
    });

    // A client may reuse the memory it read a message into once the handler returns (NATS's does, for
    // a message that spans reads): a note is lent to its handler, which copies what it keeps (the hub
    // copies the frames it writes; test/chat-multi-node.test.ts holds it to that).
    it('hands each note over whole, however many reads it spanned', async () => {
      const kept: Buffer[] = [];
      const { broker: c, release } = await kind.open(topic, () => {});
      try {
        const probe = '{"n":"probe"}';
        let probed = false;
        await c.subscribe((data) => {
          if (data.toString() === probe) probed = true;
          else kept.push(Buffer.from(data));
        }, '{"n":"c"');
        await eventually('a probe at c', () => {
          a.broker.publish(probe);
          return probed;
        });
        // 1.4 MB in one turn: bundles of at most 32 K characters, each note past that alone (NATS refuses a message of 1 MB).
        const notes = Array.from({ length: 24 }, (_, i) => String.fromCharCode(97 + i).repeat(48 * 1024 + i * 997));
        for (const note of notes) a.broker.publish(note);
        await eventually('every note at c', () => kept.length >= notes.length);
        for (const [i, data] of kept.entries()) assert.equal(data.toString(), notes[i], `note ${i} as it was sent`);
        // a and b hear them too, in order: the next test starts once the last has reached both (it once
        // cleared their lists while these were still arriving, and a closed node seemed to hear them).
        await eventually('the notes at a and b', () => [a, b].every((node) => node.received.at(-1) === notes.at(-1)));
        assert.equal(a.failures(), 0, 'every bundle sent');
      } finally {
        await c.close();
        await release();
      }
    });

    it('closes: a closed node hears nothing more and publishing on it does not throw', async () => {
      a.received.length = b.received.length = 0;
      await a.broker.close();
      a.closed = true;
      // Two notes in one message: a failure counts both.
      a.broker.publish('after close');
      a.broker.publish('and after');
      b.broker.publish('still here');
      await eventually('b hears its own note', () => b.received.includes('still here'));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(a.received, []);
    });

    it('reports its link up or down, and counts the notes it could not send', async () => {
      assert.equal(b.broker.connected(), true);
      assert.equal(b.failures(), 0);
      const mark = a.broker.mark();
      if (kind.name === 'Redis') {
        // The Redis broker publishes on a client it does not own: the link goes down with that client.
        assert.equal(a.failures(), 0, 'its publishing client still open, a closed node still publishes');
        await a.release();
        await eventually('the link down', () => !a.broker.connected());
        a.broker.publish('link gone');
        a.broker.publish('and gone');
      }
      await eventually('both notes counted as failed', () => a.failures() === 2);
      assert.equal(a.broker.connected(), false);
      assert.equal(await a.broker.sentSince(mark), false, 'a note it could not send is not confirmed');
      const before = b.broker.mark();
      b.broker.publish('confirmed');
      assert.equal(await b.broker.sentSince(before), true, "another node's failure is not this one's");
    });
  });
}

/**
 * A fresh link (200 ms publish deadline) and a broker on a channel of its own, subscribed, for `body`;
 * both closed after it. `failures()` counts the notes the broker could not send.
 */
async function withFreshRedisBroker(body: (b: { broker: Broker; received: string[]; failures(): number }) => Promise<void>): Promise<void> {
  const link = openRedis(REDIS_URL, 200, logger);
  let failures = 0;
  const received: string[] = [];
  const broker = redisBroker(link, `parley-test-${randomBytes(4).toString('hex')}`, logger, (notes) => (failures += notes));
  try {
    await broker.subscribe((data) => received.push(data.toString()));
    await body({ broker, received, failures: () => failures });
  } finally {
    await broker.close();
    await link.close();
  }
}

// A reply that reached this process in time but was read late, because the process itself was busy
// (a node opening thousands of sockets at once), is not a failed publish: the note was delivered. The
// bench's idle-socket figures logged thousands of false "broker publish failed: Command timed out".
describe('Redis broker, a busy process', { skip: process.env.CI !== 'true' && 'runs with CI=true (needs Redis)' }, () => {
  it('does not count a note as failed when only its own event loop was late to read the answer', async () => {
    await withFreshRedisBroker(async ({ broker, received, failures }) => {
      broker.publish('warm-up');
      await eventually('the warm-up note', () => received.length === 1);
      broker.publish('while busy');
      // Busy for more than the 200 ms deadline right after sending; Redis answers meanwhile.
      for (const started = Date.now(); Date.now() - started < 600; );
      await eventually('the note delivered', () => received.includes('while busy'));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(failures(), 0, 'no failed publish counted');
      // A Redis that does not answer still fails the publish after the deadline.
      const paused = new Redis(REDIS_URL);
      await paused.call('CLIENT', 'PAUSE', '700', 'WRITE');
      broker.publish('while Redis is paused');
      await eventually('the failure counted', () => failures() === 1);
      await paused.quit();
    });
  });
});

// A subscription is ready once the link can publish: publishes go through the link's client, whose
// connection may come up after the subscriber's. A note published right then failed at once and was
// lost (about 5 links in 100 here; the "busy process" test above failed on it in CI).
describe('Redis broker, publishing as soon as it is subscribed', { skip: process.env.CI !== 'true' && 'runs with CI=true (needs Redis)' }, () => {
  it('delivers the first note of every fresh link', async () => {
    for (let i = 0; i < 100; i++) {
      await withFreshRedisBroker(async ({ broker, received, failures }) => {
        broker.publish(`first of link ${i}`);
        assert.equal(await broker.sentSince(0), true, `link ${i}: the first note sent`);
        assert.equal(failures(), 0);
        await eventually(`link ${i}: the first note delivered`, () => received.length === 1);
      });
    }
  });
});

// With its node's id, the Redis broker publishes on a channel of the node's own and hears every other
// node's through glob patterns that leave its own out: Redis never sends a node its own notes (it read
// each one back only to drop it, and at full speed fell far enough behind that Redis cut it off).
describe('Redis broker, a channel per node', { skip: process.env.CI !== 'true' && 'runs with CI=true (needs Redis)' }, () => {
  it("never sends a node its own notes, each other node's once, and hears a node of an earlier version", async () => {
    // Glob characters in the channel's name are taken literally.
    const channel = `parley-test-*?[a-c]\\^-${randomBytes(4).toString('hex')}`;
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const links = ids.map(() => openRedis(REDIS_URL, 1000, logger));
    const heard: string[][] = ids.map(() => []);
    const brokers = ids.map((id, i) => redisBroker(links[i] as RedisLink, channel, logger, () => {}, id));
    const raw = new Redis(REDIS_URL);
    try {
      // No skip: whatever Redis sends a node, it hears.
      await Promise.all(brokers.map((b, i) => b.subscribe((data) => heard[i]?.push(data.toString()))));
      // PUBLISH answers how many subscriptions it reached: one pattern of each other node, none of its own.
      assert.equal(await raw.publish(`${channel}.${ids[0]}`, 'probe'), 2);
      assert.equal(await raw.publish(`${channel}.${randomUUID()}`, 'probe'), 3, 'a node not seen before is heard by all');
      assert.equal(await raw.publish(`${channel}.${ids[0]}x`, 'probe'), 0, 'an id of another length matches no pattern');
      await eventually('the probes', () => heard.every((h) => h.length === (h === heard[0] ? 1 : 2)));
      for (const h of heard) h.length = 0;

      brokers.forEach((b, i) => {
        b.publish(`{"n":"${i}","k":1}`);
        b.publish(`{"n":"${i}","k":2}`);
      });
      const earlier = redisBroker(redisLink(raw, logger), channel, logger);
      earlier.publish('{"n":"old"}');
      const expected = (i: number) =>
        [0, 1, 2]
          .filter((j) => j !== i)
          .flatMap((j) => [`{"n":"${j}","k":1}`, `{"n":"${j}","k":2}`])
          .concat('{"n":"old"}');
      for (const [i, h] of heard.entries()) {
        await eventually(`node ${i}'s notes`, () => h.length >= 5);
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual([...h].sort(), expected(i).sort(), `node ${i}`);
      }
    } finally {
      await Promise.all(brokers.map((b) => b.close()));
      await Promise.all(links.map((l) => l.close()));
      if (raw.status !== 'end') await raw.quit();
    }
  });
});

describe('NATS broker, told its node', { skip: process.env.CI !== 'true' && 'runs with CI=true (needs NATS)' }, () => {
  it("is not sent its own notes (noEcho), and hears every other node's", async () => {
    const subject = `parley-test-${randomBytes(4).toString('hex')}`;
    const brokers = await Promise.all([randomUUID(), randomUUID()].map((id) => natsBroker(NATS_URL, subject, logger, () => {}, id)));
    const earlier = await natsBroker(NATS_URL, subject, logger);
    const heard: string[][] = [[], [], []];
    try {
      // No skip: whatever the server sends a node, it hears.
      await Promise.all([...brokers, earlier].map((b, i) => b.subscribe((data) => heard[i]?.push(data.toString()))));
      for (const [i, b] of brokers.entries()) b.publish(`{"n":"${i}"}`);
      earlier.publish('{"n":"old"}');
      await eventually('every note heard', () => heard[0]?.length === 2 && heard[1]?.length === 2 && heard[2]?.length === 3);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual([...(heard[0] ?? [])].sort(), ['{"n":"1"}', '{"n":"old"}']);
      assert.deepEqual([...(heard[1] ?? [])].sort(), ['{"n":"0"}', '{"n":"old"}']);
      assert.deepEqual([...(heard[2] ?? [])].sort(), ['{"n":"0"}', '{"n":"1"}', '{"n":"old"}'], 'a broker not told its node hears its own');
    } finally {
      await Promise.all([...brokers, earlier].map((b) => b.close()));
    }
  });
});
