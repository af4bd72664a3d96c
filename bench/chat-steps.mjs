// The steps of one chat message through Parley's own functions, in-process, against a built tree
// (`npm run build`): `taskset -c 0 node bench/chat-steps.mjs [<repository root>] [rounds]`. Each step
// runs over the messages the chat bench sends (a personal room, the SDK's whole message object, 1.2 KB
// a frame) and prints the CPU it took a message and what it allocated. `sendMessage` then runs them end to end, 64 at a time
// as one commit: what it costs beyond the sum of the steps is the plumbing between them. No socket is
// open, so nothing is written to one; the bench server's profile shows that part (docs/performance.md).
// Given another checkout's root, it measures that build: run old and new alternately to compare.
// The note step is what a second node adds (chat through Redis): a room event's note written as the
// publisher hands it to Redis, and read as the other node does, down to each frame's bytes.
// Plain JavaScript on purpose, as bench/chat-statements.mjs: under tsx's loader loops measure slower and noisier.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GCProfiler, getHeapStatistics } from 'node:v8';

const root = resolve(process.argv[2] ?? '.');
const rounds = Number(process.argv[3] ?? 5);
const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href);
// What is sent comes from this checkout's build whichever build is measured: both get the same messages.
const here = fileURLToPath(new URL('..', import.meta.url));
const { newLocalId } = await import(pathToFileURL(join(here, 'dist/chat/cipher.js')).href);
const { sdkTextMessage } = await import(pathToFileURL(join(here, 'dist/chat/sdk-message.js')).href);
const { loadConfig } = await load('config.js');
const { createDeps } = await load('compose.js');
const { createLogger } = await load('logging.js');
const { buildServer } = await load('server.js');
const { createProject } = await load('services/projects.js');
const { readClientMessage } = await load('chat/message-input.js');
const { refuseBlockedSender } = await load('services/blocks.js');
const { cachedTargetsFor, targetsFor } = await load('services/delivery.js');
const { sendMessage, storeClientMessage, storeClientMessageNow } = await load('services/messages.js');
// As sendMessage stores a message: at once where the statements run at once (builds before it had only the async way).
const store = (trx, input, now) =>
  storeClientMessageNow === undefined
    ? storeClientMessage(trx, deps, [], actor, state, input, now)
    : (storeClientMessageNow(trx, { deps, hooks: [], actor, state, input, now }) ?? storeClientMessage(trx, { deps, hooks: [], actor, state, input, now }));
const { cachedRoomOfMember, refuseLockedRoom, roomOfMember } = await load('services/room-state.js');
const { cachedSubscribers, subscribers } = await load('services/webhooks.js');
const { bytesOf, decodeNote, encodeNote } = await load('chat/notes.js');
const { Command } = await import(pathToFileURL(join(root, 'node_modules/ioredis/built/index.js')).href);
// The socket's parse (api/client/socket.ts); builds before it had one parse with JSON.parse.
const { parseUtf8Json = JSON.parse } = await load('validation.js');

const BATCH = 64;
const MESSAGES = 64 * BATCH;

const dir = mkdtempSync(join(tmpdir(), 'parley-chat-steps-'));
const config = loadConfig({ PARLEY_DATABASE_URL: `sqlite:${join(dir, 'steps.db')}` });
const deps = await createDeps(config, { logger: createLogger('silent'), workers: false });
const app = await buildServer(deps, { bodyLimit: config.bodyLimit, trustProxy: config.trustProxy });
const project = await createProject(deps, { name: 'steps', tier: null });

/** A user logged in as the SDK does: a ticket, then its redemption. */
async function login(xcUserID, fullName) {
  const call = async (url, headers, body) => JSON.parse((await app.inject({ method: 'POST', url, headers, payload: body })).body).data;
  const body = { userIPAddress: '10.0.0.1', userAgent: 'bench', userPlatform: 'web', userDeviceID: 'steps', xcUserID, fullName };
  const { ticket } = await call('/v1/server/auth_ticket/request', { 'server-key': project.serverKey.header }, body);
  return (await call('/v1/auth/access_token/request', { 'app-key': project.appKey.header, authorization: `Bearer ${ticket}` }, '')).user;
}
const [alice, bob] = [await login('alice', 'Alice'), await login('bob', 'Bob')];
const actor = { projectId: project.projectID, userId: Number(alice.userID) };
const roomID = [actor.userId, Number(bob.userID)].sort((a, b) => a - b).join('-');

/** The frame the bench's generator sends (bench/chat-load.ts), with a fresh localID. */
const frame = () => Buffer.from(JSON.stringify({ eventName: 'chat/sendMessage', data: sdkTextMessage(roomID, alice, newLocalId(), 'Hello from the bench') }));

const parse = (b) => parseUtf8Json(b.toString('utf8')).data;
const state = await roomOfMember(deps, actor, roomID);
const inputs = (frames) => frames.map((b) => readClientMessage(parse(b), deps.chat.limits));
// Stored once, for the steps after storage: their frames are built for these.
const stored = await deps.writes.run(async (trx) => {
  const out = [];
  for (const input of inputs(Array.from({ length: BATCH }, frame))) out.push((await store(trx, input, Date.now())).stored);
  return out;
});

const noteTargets = stored.map((m) => cachedTargetsFor?.(deps, state, m, 'chat/sendMessage'));
for (let i = 0; i < BATCH; i++) noteTargets[i] ??= await targetsFor(deps, state, stored[i], 'chat/sendMessage');

const steps = [
  ["the frame's text parsed as the socket does (the floor does as much)", (frames) => void frames.map(parse)],
  ['the same, then the fields checked (readClientMessage)', (frames) => void inputs(frames)],
  [
    'membership, blocks, lock, webhook subscribers (all cached)',
    async (frames) => {
      for (const _ of frames) {
        // As sendMessage: from the caches without a wait where this build can (older builds always waited).
        const s = cachedRoomOfMember?.(deps, actor, roomID) ?? (await roomOfMember(deps, actor, roomID));
        refuseBlockedSender(s, actor);
        refuseLockedRoom(s);
        cachedSubscribers?.(deps, actor.projectId, 'message.sent') ?? (await subscribers(deps, actor.projectId, 'message.sent'));
      }
    },
  ],
  [
    'the two statements through the repositories, 64 a commit (parse and check included)',
    async (frames) => {
      const all = inputs(frames);
      for (let i = 0; i < all.length; i += BATCH) {
        const now = Date.now();
        await Promise.all(all.slice(i, i + BATCH).map((input) => deps.writes.run((trx) => store(trx, input, now))));
      }
    },
  ],
  [
    "both viewers' frames (targetsFor)",
    async (frames) => {
      for (let i = 0; i < frames.length; i++) {
        const m = stored[i % BATCH];
        cachedTargetsFor?.(deps, state, m, 'chat/sendMessage') ?? (await targetsFor(deps, state, m, 'chat/sendMessage'));
      }
    },
  ],
  [
    'both frames as bytes, where targetsFor did not make them (Buffer.from)',
    async (frames) => {
      const targets = await targetsFor(deps, state, stored[0], 'chat/sendMessage');
      for (const _ of frames) for (const t of targets) t.bytes ?? Buffer.from(t.frame);
    },
  ],
  [
    "a room event's note to a second node: written, as the PUBLISH command's bytes, read, its frames' bytes",
    async (frames) => {
      for (let i = 0; i < frames.length; i++) {
        const note = encodeNote({ n: 'node', k: 'room', p: actor.projectId, r: roomID, s: i, a: 1, t: noteTargets[i % BATCH] });
        // Text, as this build and those before notes were bytes publish it: the socket encodes the command.
        const command = new Command('publish', ['chat', note]).toWritable();
        if (typeof command === 'string') Buffer.from(command);
        // The other node, handed the message's bytes by the Redis client:
        if (typeof note !== 'string') {
          // builds that published bytes copied the whole note, its frames views of the copy;
          decodeNote(Buffer.from(note));
        } else if (bytesOf === undefined) {
          // builds before them decoded it to text and encoded each frame again;
          for (const t of decodeNote(Buffer.from(note).toString('utf8')).t) Buffer.from(t.frame);
        } else {
          // this one cuts the frames out of the bytes it was lent and copies each it delivers.
          for (const t of decodeNote(Buffer.from(note)).t) Buffer.from(bytesOf(t));
        }
      }
    },
  ],
  [
    'all of it: sendMessage, 64 at a time, stored and delivered (parse included)',
    async (frames) => {
      for (let i = 0; i < frames.length; i += BATCH) {
        const sent = await Promise.all(frames.slice(i, i + BATCH).map((b) => sendMessage(deps, actor, parse(b))));
        await Promise.all(sent.map((s) => s.done));
      }
    },
  ],
];

/**
 * Bytes `run` allocated on the JS heap: what the heap grew by between collections (V8's own counts
 * before and after each, from its GC profiler). Each byte allocated is a byte a scavenge must pass over.
 */
async function allocatedBy(run) {
  const profiler = new GCProfiler();
  const start = getHeapStatistics().used_heap_size;
  profiler.start();
  await run();
  const end = getHeapStatistics().used_heap_size;
  let [bytes, last] = [0, start];
  for (const gc of profiler.stop().statistics) {
    bytes += gc.beforeGC.heapStatistics.usedHeapSize - last;
    last = gc.afterGC.heapStatistics.usedHeapSize;
  }
  return bytes + end - last;
}

const [cpu, heap] = [new Map(), new Map()];
const record = (results, name, value) => results.set(name, [...(results.get(name) ?? []), value]);
for (let r = 0; r <= rounds; r++) {
  for (const [name, run] of steps) {
    const frames = Array.from({ length: MESSAGES }, frame);
    const started = process.cpuUsage();
    const bytes = await allocatedBy(() => run(frames));
    const used = process.cpuUsage(started);
    if (r === 0) continue; // round 0 warms up
    record(cpu, name, (used.user + used.system) / MESSAGES);
    record(heap, name, bytes / MESSAGES / 1024);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
console.log(`${root}\n| step | µs of CPU a message | KB allocated a message |\n| --- | --- | --- |`);
console.log(`| (median of ${rounds} rounds, min–max) | | |`);
for (const [name] of steps) console.log(`| ${name} | ${spread(cpu.get(name))} | ${spread(heap.get(name))} |`);
await app.close();
await deps.close();
rmSync(dir, { recursive: true, force: true });
