// How frames leave a chat socket (chat/client-socket.ts): the frames one socket gets in a turn of the
// event loop, from plain calls and from promise reactions alike, leave in one write, in order.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { type ClientSocket, writeFrame } from '../src/chat/client-socket.ts';
import { Inbox } from '../src/chat/inbox.ts';

let server: ReturnType<typeof createServer>;
let url: string;
let accepted: (socket: ClientSocket) => void;

before(async () => {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server = createServer();
  server.on('upgrade', (req, stream, head) =>
    wss.handleUpgrade(req, stream, head, (ws) =>
      accepted({
        ws,
        stream,
        projectId: 'p',
        userId: 1,
        sessionId: 's',
        keyId: 'k',
        user: {} as ClientSocket['user'],
        chain: Promise.resolve(),
        inbox: new Inbox(ws, { frames: 10, bytes: 1 << 20 }),
        alive: true,
      }),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A connected pair: the server's socket, the client's received frames, and the writes that left the server. */
async function connect() {
  const socket = new Promise<ClientSocket>((resolve) => {
    accepted = resolve;
  });
  const client = new WebSocket(url);
  const received: string[] = [];
  client.on('message', (data) => received.push(String(data)));
  await new Promise((resolve) => client.once('open', resolve));
  const server = await socket;
  // Every write the connection makes: how many chunks each carried (a frame is a header and a payload).
  const writes: number[] = [];
  const stream = server.stream as Socket & { _writev(chunks: unknown[], cb: unknown): void; _write(...args: unknown[]): void };
  const writev = stream._writev.bind(stream);
  const write = stream._write.bind(stream);
  stream._writev = (chunks, cb) => {
    writes.push(chunks.length);
    writev(chunks, cb);
  };
  stream._write = (...args) => {
    writes.push(1);
    write(...args);
  };
  const arrived = async (n: number) => {
    while (received.length < n) await new Promise((resolve) => client.once('message', resolve));
  };
  return { server, client, received, writes, arrived };
}

it("leaves one turn's frames to a socket in one write, in order", async () => {
  const { server, client, received, writes, arrived } = await connect();
  for (const n of [1, 2, 3]) writeFrame(server, Buffer.from(`frame ${n}`));
  assert.deepEqual(writes, [], 'nothing is written before the turn ends');
  await arrived(3);
  assert.deepEqual(received, ['frame 1', 'frame 2', 'frame 3']);
  assert.deepEqual(writes, [6], 'three frames, each a header and a payload, in one write');
  client.close();
});

it('waits for the promise reactions of the turn, however deep, before writing', async () => {
  const { server, client, received, writes, arrived } = await connect();
  const later = async (depth: number, text: string) => {
    for (let i = 0; i < depth; i++) await Promise.resolve();
    writeFrame(server, Buffer.from(text));
  };
  // As a commit's echoes go out: each message's delivery a few awaits after the commit resolved.
  await Promise.resolve().then(() => Promise.all([later(0, 'a'), later(3, 'b'), later(10, 'c')]));
  await arrived(3);
  assert.deepEqual(received, ['a', 'b', 'c']);
  assert.deepEqual(writes, [6]);
  // The next turn's frames are a write of their own: the socket was uncorked.
  await new Promise((resolve) => setImmediate(resolve));
  writeFrame(server, Buffer.from('d'));
  await arrived(4);
  assert.deepEqual(writes, [6, 2]);
  client.close();
});

it('writes nothing to a socket that is closing, and corks nothing for it', async () => {
  const { server, client, writes } = await connect();
  server.ws.close();
  writeFrame(server, Buffer.from('too late'));
  assert.equal(server.stream.writableCorked, 0);
  await new Promise((resolve) => client.once('close', resolve));
  assert.equal(writes.length, 1, 'only the close frame');
});
