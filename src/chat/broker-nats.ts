// The Broker of broker.ts over core NATS pub/sub on one subject (no JetStream: notes are at most
// once, and a node refills gaps from the database).
import type { FastifyBaseLogger } from 'fastify';
import { Events, connect } from 'nats';
import { type Broker, bundler, eachNote, startingWith } from './broker.ts';

/** How long `sentSince` waits for the server's answer before it says no. */
const FLUSH_DEADLINE_MS = 2000;

/**
 * Connects once (rejects if the server is unreachable at start), then reconnects forever. With `node`
 * (this node's id) the connection asks the server not to send it its own messages (`noEcho`), as the
 * Redis broker's channel per node does (broker.ts, redisBroker).
 */
export async function natsBroker(
  url: string,
  subject: string,
  logger: FastifyBaseLogger,
  publishFailed: (notes: number) => void = () => {},
  node?: string,
): Promise<Broker> {
  const nc = await connect({ servers: url, name: node === undefined ? 'parley' : `parley ${node}`, maxReconnectAttempts: -1, noEcho: node !== undefined });
  const warn = (message: string, what: string) => logger.warn({ err: { message } }, what);
  let up = true;
  let published = 0;
  let lastFailed = 0;

  // Status carries no Error objects: the server's error code, or the server a link was lost to.
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === Events.Error) warn(String(s.data), 'broker error');
      else if (s.type === Events.Disconnect) {
        up = false;
        warn(`disconnected from ${String(s.data)}`, 'broker disconnected');
      } else if (s.type === Events.Reconnect) {
        up = true;
        logger.info({ server: String(s.data) }, 'broker reconnected');
      }
    }
  })();
  void nc.closed().then((err) => err && warn(err.message, 'broker connection closed'));

  // A turn's notes, as one message (broker.ts, bundler).
  const bundle = bundler((text, n, count) => {
    // Throws synchronously once closed/draining or when over the server's max payload.
    try {
      nc.publish(subject, text);
    } catch (err) {
      lastFailed = n;
      publishFailed(count);
      warn((err as Error).message, 'broker publish failed');
    }
  });

  return {
    name: 'nats',
    connected: () => up && !nc.isClosed(),
    publish(note) {
      bundle.add(note, ++published);
    },
    mark: () => published,
    // The server has what was published before a ping once it answers it. While the link is down the
    // client keeps notes for the next connection, and the ping with them: no answer in time is a no.
    async sentSince(mark) {
      bundle.flush();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), FLUSH_DEADLINE_MS)));
      const answered = nc.flush().then(
        () => lastFailed <= mark,
        () => false,
      );
      try {
        return await Promise.race([answered, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    async subscribe(handler, skip) {
      const own = skip === undefined ? undefined : startingWith(skip);
      nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return warn(err.message, 'broker subscription error');
          // A throw here would unwind into the client's protocol parser.
          try {
            // Lent: the client may reuse this memory once the handler returns (Broker.subscribe).
            eachNote(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength), handler, own);
          } catch (e) {
            warn((e as Error).message, 'broker handler failed');
          }
        },
      });
      await nc.flush(); // the server has the subscription once it answers the ping
    },
    close: async () => {
      bundle.flush();
      await nc.drain().catch(() => nc.close());
    },
  };
}
