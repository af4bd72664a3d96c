// Fan-out between Parley processes. The database is the source of truth; the broker only carries
// "this happened" notes, at most once. A note carries the room's sequence number, so a node that
// sees a gap refills it from the database (see hub.ts).
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';

/** One note, as JSON text. Every node receives every note, its own included (it ignores those). */
export interface Broker {
  readonly name: string;
  publish(text: string): void;
  /** Starts delivery to `handler`; resolves once subscribed. */
  subscribe(handler: (text: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** One process, nothing to fan out to. */
export function localBroker(): Broker {
  return { name: 'none', publish: () => {}, subscribe: async () => {}, close: async () => {} };
}

/** Redis pub/sub on one channel. */
export function redisBroker(redis: Redis, channel: string, logger: FastifyBaseLogger): Broker {
  const subscriber = redis.duplicate();
  subscriber.on('error', (err) => logger.warn({ err: { message: err.message } }, 'broker subscriber error'));
  return {
    name: 'redis',
    publish(text) {
      redis.publish(channel, text).catch((err: Error) => logger.warn({ err: { message: err.message } }, 'broker publish failed'));
    },
    async subscribe(handler) {
      subscriber.on('message', (_channel, text: string) => handler(text));
      await subscriber.subscribe(channel);
    },
    close: async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
