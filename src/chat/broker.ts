// Fan-out between Parley processes. The database is the source of truth; the broker only carries
// "this happened" notes, at most once. A note carries the room's sequence number, so a node that
// sees a gap refills it from the database (see hub.ts).
import type { FastifyBaseLogger } from 'fastify';
import type { RedisLink, Subscription } from '../redis.ts';

/**
 * Notes (chat/notes.ts), published as text and received as bytes. Every node receives every other
 * node's note; its own too, unless the broker was made with its node's id (redisBroker, natsBroker: then
 * it is not even sent them) or it names them to skip. A note's bytes are lent to the handler for its
 * call: the client may reuse that memory afterwards (NATS's does, for a message that spans reads; the
 * Redis parser's pool does too), so what the handler keeps it copies.
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

/**
 * The notes one node publishes in an event-loop turn travel as one broker message, a **bundle**: the
 * notes joined by an empty line. A note never holds one (chat/notes.ts: a header and frames are JSON,
 * one non-empty line each), so a receiver cuts a bundle apart without decoding it. Per note the Redis
 * client made a command, a promise, a deadline and a write, and every node (the sender too, to drop it)
 * parsed a message: the sending node spent twice as long in young-generation collections as it does
 * now (docs/performance.md, "2026-12-06, fifth session"). A node of an older version reads a bundle's
 * first note and no further; room events it missed it refills from the database when the next one
 * shows the gap.
 */
export const BUNDLE_SEPARATOR = '\n\n';
const SEPARATOR_BYTES = Buffer.from(BUNDLE_SEPARATOR);
/**
 * A bundle's size, in UTF-16 units, past which the next note starts another: about one read of a
 * client's socket (64 KB). Bundles of 256 K were no faster (docs/performance.md); NATS refuses 1 MB.
 */
const BUNDLE_MAX_CHARS = 32 * 1024;

/**
 * Gathers the notes published in one turn and hands them to `send` as one text, from a setImmediate
 * (or at once by `flush`). `send` is also told the number of the last note in it (`add`'s `n`) and
 * how many notes it holds.
 */
export function bundler(send: (text: string, last: number, notes: number) => void): { add(note: string, n: number): void; flush(): void } {
  let notes: string[] = [];
  let chars = 0;
  let last = 0;
  let scheduled = false;
  const flush = () => {
    if (notes.length === 0) return;
    const count = notes.length;
    const text = count === 1 ? (notes[0] as string) : notes.join(BUNDLE_SEPARATOR);
    notes = [];
    chars = 0;
    send(text, last, count);
  };
  const onTurnEnd = () => {
    scheduled = false;
    flush();
  };
  return {
    add(note, n) {
      if (notes.length > 0 && chars + note.length > BUNDLE_MAX_CHARS) flush();
      notes.push(note);
      chars += note.length + BUNDLE_SEPARATOR.length;
      last = n;
      if (!scheduled) {
        scheduled = true;
        setImmediate(onTurnEnd);
      }
    },
    flush,
  };
}

/**
 * Hands each note of a bundle to `handler`, as a view of `data` (lent, as `data` is), but those `skip`
 * holds true for.
 */
export function eachNote(data: Buffer, handler: (note: Buffer) => void, skip?: (note: Buffer) => boolean): void {
  for (let start = 0; ; ) {
    const end = data.indexOf(SEPARATOR_BYTES, start);
    // A message of one note (the most common) is handed over as it came.
    const note = end < 0 ? (start === 0 ? data : data.subarray(start)) : data.subarray(start, end);
    if (skip === undefined || !skip(note)) handler(note);
    if (end < 0) return;
    start = end + SEPARATOR_BYTES.length;
  }
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
 * Redis pub/sub, a turn's notes bundled. While Redis is down, notes are dropped (at most once, as
 * always): a node that later sees a gap in a room's sequence numbers refills it from the database.
 *
 * With `node` (this node's id; every node's id has the same length, a UUID) a node publishes on
 * `<channel>.<node>` and hears every other node's channel through patterns that match all of them but
 * its own (otherNodes): Redis never sends a node its own notes, which it used to read back only to drop
 * them (through Redis the sending node fell tens of MB behind at full speed, and Redis cut its
 * subscription at 32 MB: docs/performance.md, "2026-12-06, fifth session"). It also hears `<channel>`
 * itself, where a node of an earlier version publishes. Without `node`, one channel for every node.
 */
export function redisBroker(
  redis: RedisLink,
  channel: string,
  logger: FastifyBaseLogger,
  publishFailed: (notes: number) => void = () => {},
  node?: string,
): Broker {
  const publishOn = node === undefined ? channel : `${channel}.${node}`;
  let subscription: Subscription | undefined;
  // Redis answers one connection's commands in order: once the last publish settled, all have.
  let published = 0;
  let lastFailed = 0;
  let last: Promise<unknown> = Promise.resolve();
  const bundle = bundler((text, n, count) => {
    last = redis.publish(publishOn, text).catch((err: Error) => {
      lastFailed = Math.max(lastFailed, n);
      publishFailed(count);
      if (!redis.isDown()) logger.warn({ err: { message: err.message } }, 'broker publish failed');
    });
  });
  return {
    name: 'redis',
    connected: () => !redis.isDown(),
    publish(note) {
      bundle.add(note, ++published);
    },
    mark: () => published,
    sentSince(mark) {
      bundle.flush();
      return last.then(() => lastFailed <= mark);
    },
    async subscribe(handler, skip) {
      const own = skip === undefined ? undefined : startingWith(skip);
      const patterns = node === undefined ? [] : otherNodes(channel, node);
      subscription = redis.subscribe(channel, { message: (data) => eachNote(data, handler, own), live: () => {} }, patterns);
      await subscription.ready;
    },
    close: async () => {
      bundle.flush();
      await subscription?.close();
    },
  };
}

/**
 * Glob patterns that together match `<channel>.<id>` for every `id` as long as `node` but `node`
 * itself, each such channel by exactly one: the one for the first position where `id` differs.
 */
export function otherNodes(channel: string, node: string): string[] {
  const literal = (text: string) => text.replace(/[*?[\]\\^-]/g, (c) => `\\${c}`);
  const patterns: string[] = [];
  for (let i = 0; i < node.length; i++) {
    patterns.push(`${literal(`${channel}.${node.slice(0, i)}`)}[^${literal(node.charAt(i))}]${'?'.repeat(node.length - i - 1)}`);
  }
  return patterns;
}
