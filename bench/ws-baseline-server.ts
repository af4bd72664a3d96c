// The chat baselines, each run as its own process pinned to the server CPU:
//   node --import tsx bench/ws-baseline-server.ts <port> <echo bytes> [<sqlite file> | -]
// A bare `ws` relay with Parley's socket URL and frames, minus auth and storage: the user is whatever
// follows "Bearer " in the query string; each text frame is parsed, given a messageID, and sent back
// as one binary frame of Parley's echo size to the sender and to the other user of its personal room.
//
// With a SQLite file it is the chat's floor (bench/ws-store.ts): the same relay, which first stores
// each message as Parley does and echoes it once committed ("-" for none).
//
// With PARLEY_BENCH_RELAY_REDIS=<url> and PARLEY_BENCH_RELAY_CHANNEL=<channel>, several relays are
// one: a recipient's copy for a socket held elsewhere is published on the channel (the commands of a
// turn pipelined, as Parley's are), and each relay delivers what it hears to its own sockets. Two of
// them, the first storing, are the floor of Parley's two processes joined by Redis.
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { type StoredEcho, openStore } from './ws-store.ts';

const [portArg, bytesArg, file] = process.argv.slice(2);
const port = Number(portArg);
const echoBytes = Number(bytesArg);
if (!Number.isInteger(port) || !Number.isInteger(echoBytes)) {
  console.error('usage: ws-baseline-server.ts <port> <echo bytes> [<sqlite file> | -]');
  process.exit(2);
}

const sockets = new Map<string, WebSocket>();
const pads = new Map<number, string>();
let nextId = 0;

type ClientEvent = { eventName: string; data: Record<string, unknown> & { room: { roomID: string } } };

/** The echo, grown to Parley's size with a pad field inside `data`, as Parley's frames carry more fields. */
function echoFrame(eventName: string, data: Record<string, unknown>, id: number): Buffer {
  data.messageID = String(id);
  data.isSending = false;
  const text = JSON.stringify({ eventName, data });
  const missing = echoBytes - Buffer.byteLength(text) - ',"pad":""'.length;
  if (missing <= 0) return Buffer.from(text);
  let pad = pads.get(missing);
  if (pad === undefined) {
    pad = 'x'.repeat(missing);
    pads.set(missing, pad);
  }
  return Buffer.from(`${text.slice(0, -2)},"pad":"${pad}"}}`);
}

const redisUrl = process.env.PARLEY_BENCH_RELAY_REDIS;
const channel = process.env.PARLEY_BENCH_RELAY_CHANNEL ?? 'parley-bench-relay';
const publisher = redisUrl === undefined ? undefined : new Redis(redisUrl, { enableAutoPipelining: true });
if (redisUrl !== undefined) {
  const subscriber = new Redis(redisUrl);
  // A note is the recipient's id, a newline, and the frame.
  subscriber.on('messageBuffer', (_channel: Buffer, note: Buffer) => {
    const cut = note.indexOf(10);
    sockets.get(note.subarray(0, cut).toString())?.send(note.subarray(cut + 1), { binary: true });
  });
  await subscriber.subscribe(channel);
}

function echo(user: string, ws: WebSocket, event: ClientEvent, id: number): void {
  const [a, b] = event.data.room.roomID.split('-');
  const frame = echoFrame(event.eventName, event.data, id);
  ws.send(frame, { binary: true });
  const recipient = a === user ? (b as string) : (a as string);
  const local = sockets.get(recipient);
  if (local !== undefined) local.send(frame, { binary: true });
  else publisher?.publish(channel, Buffer.concat([Buffer.from(`${recipient}\n`), frame])).catch(() => {});
}

const store = file === undefined || file === '-' ? undefined : await openStore(file);

function relay(user: string, ws: WebSocket, raw: RawData): void {
  const event = JSON.parse(raw.toString()) as ClientEvent;
  if (store === undefined) {
    echo(user, ws, event, ++nextId);
    return;
  }
  const job: StoredEcho = { sender: Number(user), data: event.data, echo: (id) => echo(user, ws, event, id) };
  store.queue(job);
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
const server = createServer((_req, res) => res.end('{}'));
server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => socket.destroy());
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const user = (query.get('authorization') ?? '').replace(/^Bearer /, '');
  if (user === '' || query.get('app_key') === null) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    sockets.set(user, ws);
    ws.on('error', () => {});
    ws.on('close', () => {
      if (sockets.get(user) === ws) sockets.delete(user);
    });
    ws.on('message', (raw: RawData) => relay(user, ws, raw));
  });
});
server.listen(port, '127.0.0.1');
// An orderly exit on the bench's SIGTERM, so that Node writes what its flags ask at exit (--cpu-prof).
process.on('SIGTERM', () => process.exit(0));
