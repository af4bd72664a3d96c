// What the chat figures start from: Parley deployments on one SQLite file (one process, or two joined by
// Redis), logged-in users, sender/recipient pairs with their socket URLs and message, and a priming
// round that checks both echoes arrive and measures their size (the ws baseline answers as much).
import { createConnection } from 'node:net';
import WebSocket from 'ws';
import { outgoingMessage, socketUrl } from '../test/support/chat.ts';
import { encryptContent, newLocalId } from '../src/chat/cipher.ts';
import type { PairSpec } from './chat-load.ts';
import type { BenchDatabase } from './databases.ts';
import { SERVER_CPU, SERVER_ENV, parleyNodeArgs } from './phase.ts';
import { PinnedProcess, freePort } from './processes.ts';
import { type Client, pool } from './setup.ts';

export const REDIS_URL = process.env.PARLEY_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ChatUser {
  userID: string;
  accessToken: string;
  user: Record<string, unknown>;
}

export async function redisProblem(): Promise<string | undefined> {
  const url = new URL(REDIS_URL);
  const answer = await new Promise<string>((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 6379) });
    const timer = setTimeout(() => socket.destroy(new Error('timeout')), 3000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      resolve(d.toString().trim());
      socket.end();
    });
    socket.once('error', (err) => resolve(err.message));
    socket.once('close', () => clearTimeout(timer));
  });
  return answer === '+PONG' ? undefined : `Redis unreachable at ${REDIS_URL} (${answer}); set PARLEY_BENCH_REDIS_URL or leave out chat_redis`;
}

/** `processes` Parley servers on one database; with more than one, joined by Redis under a prefix of their own. */
export async function startParley(root: string, db: BenchDatabase, processes: number, label: string, more?: Record<string, string>): Promise<PinnedProcess[]> {
  const env: Record<string, string> = { ...SERVER_ENV, ...more };
  if (processes > 1) Object.assign(env, { PARLEY_REDIS_URL: REDIS_URL, PARLEY_REDIS_PREFIX: `parley-bench-${process.pid}-${Date.now()}:` });
  const servers: PinnedProcess[] = [];
  try {
    for (let i = 0; i < processes; i++) {
      const port = await freePort();
      servers.push(
        await PinnedProcess.start({
          name: `parley serve (${label}${processes > 1 ? `, process ${i + 1}` : ''})`,
          cpu: SERVER_CPU,
          cwd: root,
          command: 'node',
          args: [...parleyNodeArgs(), 'bin/parley.js', 'serve', '--port', String(port), '--database', db.url],
          env,
          port,
          readyPath: '/healthz',
        }),
      );
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  return servers;
}

/**
 * The bare `ws` relay (bench/ws-baseline-server.ts), answering frames of `bytes` bytes (0: idle only);
 * with `storeFile`, the chat's floor: the relay storing each message as Parley does (bench/ws-store.ts).
 */
export function startRelay(root: string, bytes: number, storeFile?: string, env: Record<string, string> = {}): Promise<PinnedProcess> {
  return freePort().then((port) =>
    PinnedProcess.start({
      name: storeFile === undefined || storeFile === '-' ? 'ws relay' : 'storing ws relay',
      cpu: SERVER_CPU,
      cwd: root,
      command: 'node',
      args: [
        ...(process.env.PARLEY_BENCH_RELAY_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        '--import',
        'tsx',
        'bench/ws-baseline-server.ts',
        String(port),
        String(bytes),
        ...(storeFile === undefined ? [] : [storeFile]),
      ],
      port,
      readyPath: '/',
      env,
    }),
  );
}

/** `count` new users, each logged in once (ticket, then redemption). */
export async function loginUsers(client: Client, count: number, tag: string): Promise<ChatUser[]> {
  const users = new Array<ChatUser>(count);
  await pool(count, 16, async (i) => {
    const { accessToken, user } = await client.redeem((await client.ticket(`bench-${tag}-${i}`)).ticket);
    users[i] = { userID: user.userID as string, accessToken, user };
  });
  return users;
}

// The web SDK's socket URL: the tests' own builder, so both speak to /connect alike.
export { socketUrl };

const personalRoom = (a: string, b: string) => (Number(a) < Number(b) ? `${a}-${b}` : `${b}-${a}`);

/** A text message as the web SDK sends it (the tests' builder), without localID and body: the generator adds those. */
function messageData(roomID: string, sender: Record<string, unknown>): Record<string, unknown> {
  const { localID: _, body: __, ...data } = outgoingMessage(roomID, { userID: String(sender.userID), accessToken: '', refreshToken: '', user: sender }, '');
  return data;
}

/** Pair i: users 2i (sender, on `senderBase`) and 2i+1 (recipient, on `recipientBase`). */
export function parleyPairs(users: ChatUser[], appKey: string, senderBase: string, recipientBase: string): PairSpec[] {
  const pairs: PairSpec[] = [];
  for (let i = 0; i + 1 < users.length; i += 2) {
    const [s, r] = [users[i] as ChatUser, users[i + 1] as ChatUser];
    pairs.push({
      sender: socketUrl(senderBase, appKey, s.accessToken),
      recipient: socketUrl(recipientBase, appKey, r.accessToken),
      message: messageData(personalRoom(s.userID, r.userID), s.user),
    });
  }
  return pairs;
}

/** The same pairs for the ws baseline: its "token" is the user id, so the URLs have the same shape. */
export function baselinePairs(parley: PairSpec[], appKey: string, baseUrl: string, recipientsUrl = baseUrl): PairSpec[] {
  return parley.map((p, i) => {
    const [s, r] = [String(1_000_000 + 2 * i), String(1_000_001 + 2 * i)];
    return {
      sender: socketUrl(baseUrl, appKey, s),
      recipient: socketUrl(recipientsUrl, appKey, r),
      message: { ...p.message, room: { ...(p.message.room as object), roomID: `${s}-${r}` } },
    };
  });
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/**
 * One message per pair (which also creates the personal rooms), each waited for on both sockets.
 * Returns the byte length of the sender's echo and of the recipient's copy.
 */
export async function prime(pairs: PairSpec[]): Promise<{ senderBytes: number; recipientBytes: number }> {
  const sizes = { senderBytes: 0, recipientBytes: 0 };
  await pool(pairs.length, 16, async (i) => {
    const pair = pairs[i] as PairSpec;
    const [sender, recipient] = await Promise.all([openSocket(pair.sender), openSocket(pair.recipient)]);
    try {
      const localID = newLocalId();
      const echo = (ws: WebSocket) =>
        new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`pair ${i}: no echo of the priming message within 10 s`)), 10_000);
          ws.on('message', (data: Buffer) => {
            const text = data.toString('utf8');
            if (text.startsWith('{"eventName":"error"')) reject(new Error(`pair ${i}: ${text.slice(0, 300)}`));
            if (text.includes(`"localID":"${localID}"`)) {
              clearTimeout(timer);
              resolve(data.length);
            }
          });
        });
      const echoes = Promise.all([echo(sender), echo(recipient)]);
      sender.send(JSON.stringify({ eventName: 'chat/sendMessage', data: { ...pair.message, localID, body: encryptContent('Hello from the bench', localID) } }));
      const [s, r] = await echoes;
      sizes.senderBytes = Math.max(sizes.senderBytes, s);
      sizes.recipientBytes = Math.max(sizes.recipientBytes, r);
    } finally {
      sender.terminate();
      recipient.terminate();
    }
  });
  return sizes;
}
