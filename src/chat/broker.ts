// Fan-out between Parley processes. The database is the source of truth; the broker only carries
// "this happened" notes, at most once. A note carries the room's sequence number, so a node that
// sees a gap refills it from the database (see hub.ts).
import type { FastifyBaseLogger } from 'fastify';
import type { RedisLink, Subscription } from '../redis.ts';

/**
 * Notes (chat/notes.ts), published as text and received as bytes. Every node receives every note, its
 * own included, unless it names them to skip. A note's bytes are lent to the handler for its call: the
 * client may reuse that memory afterwards (NATS's does, for a message that spans reads; the Redis
 * parser's pool does too), so what the handler keeps it copies.
 */
export interface Broker {
  readonly name: string;
  /** Whether the link to the broker is up (the parley_broker_connected gauge). */
  connected(): boolean;
  publish(note: string): void;
  /** How many notes this node has published so far: the mark `sentSince` counts from. */
  mark(): number;
  /**
   * Resolves once the broker answered the notes published so far: true if every one published after
   * `mark` reached it, false if any could not be sent (the caller keeps what it would send again).
   */
  sentSince(mark: number): Promise<boolean>;
  /**
   * Starts delivery to `handler`; resolves once subscribed. Notes starting with `skip` (this node's own,
   * echoed back) are dropped unread: at chat rates, decoding each only to drop it was garbage to collect.
   */
  subscribe(handler: (note: Buffer) => void, skip?: string): Promise<void>;
  close(): Promise<void>;
}

/** Whether a note's bytes start with `prefix` (Broker.subscribe's `skip`), tested before any decoding. */
export function startingWith(prefix: string): (data: Uint8Array) => boolean {
  const bytes = Buffer.from(prefix);
  return (data) => data.length >= bytes.length && Buffer.compare(bytes, data.subarray(0, bytes.length)) === 0;
}

/** One process, nothing to fan out to. */
export function localBroker(): Broker {
  return {
    name: 'none',
    connected: () => true,
    publish: () => {},
    mark: () => 0,
    sentSince: async () => true,
    subscribe: async () => {},
    close: async () => {},
  };
}

/**
 * Redis pub/sub on one channel. While Redis is down, notes are dropped (at most once, as always): a
 * node that later sees a gap in a room's sequence numbers refills it from the database.
 */
export function redisBroker(redis: RedisLink, channel: string, logger: FastifyBaseLogger, publishFailed: () => void = () => {}): Broker {
  let subscription: Subscription | undefined;
  // Redis answers one connection's commands in order: once the last publish settled, all have.
  let published = 0;
  let lastFailed = 0;
  let last: Promise<unknown> = Promise.resolve();
  return {
    name: 'redis',
    connected: () => !redis.isDown(),
    publish(note) {
      const n = ++published;
      last = redis.publish(channel, note).catch((err: Error) => {
        lastFailed = Math.max(lastFailed, n);
        publishFailed();
        if (!redis.isDown()) logger.warn({ err: { message: err.message } }, 'broker publish failed');
      });
    },
    mark: () => published,
    sentSince: (mark) => last.then(() => lastFailed <= mark),
    async subscribe(handler, skip) {
      subscription = redis.subscribe(channel, { message: handler, live: () => {}, skip: skip === undefined ? undefined : startingWith(skip) });
      await subscription.ready;
    },
    close: async () => {
      await subscription?.close();
    },
  };
}
