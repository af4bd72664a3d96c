// Redis connections that never make a request wait long. Redis holds only what has a fallback here
// (shared failure counters, rate-limit counters, invalidation and chat notes between nodes), so a
// command that cannot be sent fails at once instead of queueing, one that gets no answer fails after
// the deadline, and the connection keeps retrying in the background. An outage is logged once when it
// begins (warn) and once when it ends (info), however many connections and calls it touches.
import type { FastifyBaseLogger } from 'fastify';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisLink {
  readonly client: Redis;
  /** Whether a connection is known to be down (callers then stay quiet: the outage is logged once). */
  isDown(): boolean;
  /**
   * A connection of its own that stays subscribed to `channel`, subscribing again after every
   * reconnection. `live(false)` as soon as it is lost, `live(true)` once subscribed again: notes sent
   * in between were missed. `ready` settles once subscribed or once the first attempt failed, so a
   * start with Redis down does not wait. A message is handed over as the client's bytes, valid for the
   * handler's call only: they are a view of the whole read, or of the parser's pool, which it reuses.
   * Those `skip` holds true for are dropped unread. With `patterns`, it also hears every channel one of
   * these glob patterns matches (Redis's PSUBSCRIBE).
   */
  subscribe(
    channel: string,
    handlers: { message(data: Buffer): void; live(up: boolean): void; skip?: (data: Buffer) => boolean },
    patterns?: readonly string[],
  ): Subscription;
  /**
   * Publishes on a connection of its own. The deadline is Redis's, not this process's: it fails only
   * once the loop has read its sockets after the deadline passed, so an answer that came in time but
   * found the process busy (thousands of sockets opening at once) still counts as answered.
   */
  publish(channel: string, text: string): Promise<number>;
  close(): Promise<void>;
}

export interface Subscription {
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Connection options: a deadline on connecting and on every command, no unbounded queue. */
export function redisOptions(timeoutMs: number): RedisOptions {
  return {
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // Fail a command at once while disconnected, rather than hold the request that sent it.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A command that timed out has been answered with a fallback: never send it again later.
    autoResendUnfulfilledCommands: false,
  };
}

export function openRedis(url: string, timeoutMs: number, logger: FastifyBaseLogger): RedisLink {
  return redisLink(new Redis(url, redisOptions(timeoutMs)), logger);
}

/** Wraps a client (and the subscriber connections duplicated from it) with one outage log. */
export function redisLink(client: Redis, logger: FastifyBaseLogger): RedisLink {
  const down = new Set<Redis>();
  /** Connections being closed on purpose: their 'close' is no outage. */
  const retired = new WeakSet<Redis>();
  const watch = (connection: Redis) => {
    const lost = (err?: Error) => {
      if (retired.has(connection) || down.has(connection)) return;
      if (down.size === 0) {
        logger.warn(
          { err: err === undefined ? undefined : { message: err.message } },
          'Redis unreachable: failures counted per process, rate limit off, credential caches off, fan-out paused; retrying',
        );
      }
      down.add(connection);
    };
    // Every connection needs an error listener: ioredis prints unhandled ones to the console.
    connection.on('error', (err: Error) => lost(err));
    connection.on('close', () => lost());
    connection.on('ready', () => {
      if (down.delete(connection) && down.size === 0) logger.info('Redis reachable again');
    });
  };
  watch(client);
  const subscriptions = new Set<Subscription>();
  // ioredis's own command deadline fires in the loop's timers phase, before the poll phase that reads
  // an answer already waiting: the publisher has none, and `answered` sets its own.
  const deadlineMs = client.options.commandTimeout;
  const publisher = client.duplicate({ commandTimeout: undefined });
  watch(publisher);
  // The first attempts of both connections a publish needs settled (ready, or failed: publishes then
  // fail fast): the client, whose status gates every publish, and the publisher that sends it.
  const firstAttempt = (connection: Redis) =>
    connection.status === 'ready' || connection.status === 'end'
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          for (const event of ['ready', 'error', 'close']) connection.once(event, () => resolve());
        });
  const publishingTried = Promise.all([firstAttempt(client), firstAttempt(publisher)]);
  /** Closes a connection on purpose: its 'close' is no outage. */
  const retire = (connection: Redis) => {
    retired.add(connection);
    down.delete(connection);
    return connection.quit().then(
      () => {},
      () => connection.disconnect(),
    );
  };
  // A client closed by its owner takes its publisher along.
  client.once('end', () => void retire(publisher));
  return {
    client,
    isDown: () => down.size > 0,
    subscribe(channel, handlers, patterns = []) {
      // Subscriptions are made by hand on each 'ready', so ioredis must not replay them itself.
      const connection = client.duplicate({ autoResubscribe: false });
      watch(connection);
      let closed = false;
      let settle: () => void = () => {};
      const subscribed = new Promise<void>((resolve) => (settle = resolve));
      const ready = Promise.all([subscribed, publishingTried]).then(() => {});
      const skip = handlers.skip ?? (() => false);
      const message = (data: Buffer) => {
        if (!skip(data)) handlers.message(data);
      };
      connection.on('messageBuffer', (_channel: Buffer, data: Buffer) => message(data));
      connection.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, data: Buffer) => message(data));
      const listen = () => {
        if (closed || connection.status !== 'ready') return;
        Promise.all([connection.subscribe(channel), patterns.length > 0 ? connection.psubscribe(...patterns) : undefined]).then(
          () => {
            if (!closed) handlers.live(true);
            settle();
          },
          () => {
            settle();
            // No answer in time on a live connection: try again (a lost one tries on its next 'ready').
            setTimeout(listen, 1000).unref();
          },
        );
      };
      connection.on('ready', listen);
      const lost = () => {
        handlers.live(false);
        settle();
      };
      connection.on('close', lost);
      connection.on('error', lost);
      const subscription: Subscription = {
        ready,
        close: async () => {
          closed = true;
          subscriptions.delete(subscription);
          await retire(connection);
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },
    publish(channel, text) {
      // The publisher follows its client: while the client is not connected, publishes fail at once.
      if (client.status !== 'ready') return Promise.reject(new Error(`Redis connection ${client.status}`));
      // Past the deadline, an unanswered publish fails (the chat broker bundles a turn's notes into one).
      return answered(publisher.publish(channel, text), deadlineMs);
    },
    close: async () => {
      retired.add(client);
      await Promise.all([...subscriptions].map((s) => s.close()));
      await retire(publisher);
      await retire(client);
    },
  };
}

/**
 * `reply`, or a timeout once `ms` passed and the poll phase after it has run (its check is a
 * setImmediate scheduled from the timer): an answer that was waiting in the socket wins.
 */
function answered<T>(reply: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return reply;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () =>
        setImmediate(() => {
          if (settled) return;
          settled = true;
          reject(new Error('Command timed out'));
        }),
      ms,
    );
    const settle = (then: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      then();
    };
    reply.then(
      (value) => settle(() => resolve(value)),
      (err: unknown) => settle(() => reject(err)),
    );
  });
}
