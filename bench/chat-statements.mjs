// A chat message's two statements in-process, against a built tree (`npx tsc -p tsconfig.build.json`):
//   taskset -c 0 node bench/chat-statements.mjs [<repository root>] [--receipts]
// The room's next event and the `messages` row, through Parley's own repository functions, 64 messages
// (one per room) per transaction, as the group commit runs them; prints µs per message, wall and CPU.
// With --receipts each message is also marked delivered in the next transaction and read in the one
// after, each change a room event of its own, as the SDKs' receipts change every message they receive.
// Given another checkout's root, it measures that build: run old and new alternately to compare.
// Plain JavaScript on purpose: under tsx's loader the same loop measured slower and noisier.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const receipts = args.includes('--receipts');
const root = resolve(args.find((a) => !a.startsWith('--')) ?? '.');
const load = (path) => import(pathToFileURL(join(root, 'dist', path)).href);
const { openDatabase } = await load('storage/database.js');
const rooms = await load('repos/rooms.js');
const messages = await load('repos/messages.js');
const { insertProject } = await load('repos/projects.js');
const { freshMessage } = await load('services/messages.js');

const ROOMS = 64;
const WARMUP = 50;
const BATCHES = 400;
const dir = mkdtempSync(join(tmpdir(), 'parley-chat-statements-'));
const database = await openDatabase(`sqlite:${join(dir, 'chat.db')}`);
const db = database.db;
await insertProject(db, { id: 'p', name: 'p', tier: null, createdAt: 1 });
for (let r = 0; r < ROOMS; r++) {
  await rooms.insertRoom(db, {
    projectId: 'p',
    id: `${r}-${r + 1}`,
    type: 1,
    name: '',
    xcRoomID: '',
    imageThumbnail: '',
    imageFullsize: '',
    color: '',
    now: 1,
  });
}

const extra = { quote: {}, replyTo: {}, forwardFrom: {}, target: {}, filterID: '', recipientID: '0', action: '' };
const body = 'x'.repeat(200);
let sent = 0;
// The messages of the previous two transactions: marked delivered, then read.
let [delivered, read] = [[], []];
async function change(trx, stored, mark) {
  for (const { id, roomId } of stored) await messages.updateMessage(trx, id, mark, (await rooms.nextRoomEvent(trx, 'p', roomId, Date.now())).at);
}
async function batch(trx) {
  if (receipts) {
    await change(trx, read, { isRead: true, isDelivered: true });
    await change(trx, delivered, { isDelivered: true });
    read = delivered;
    delivered = [];
  }
  for (let r = 0; r < ROOMS; r++) {
    const roomId = `${r}-${r + 1}`;
    const event = await rooms.nextRoomEvent(trx, 'p', roomId, Date.now());
    const content = { projectId: 'p', roomId, senderId: r, localID: `local-${sent++}`, type: 1001, body, data: '', extra, isHidden: false };
    // Parley's own message as stored (services/messages.ts), at its event's time.
    const id = await messages.insertMessage(trx, freshMessage(content, event.at));
    if (receipts) delivered.push({ id, roomId });
  }
}

for (let i = 0; i < WARMUP; i++) await db.transaction().execute(batch);
const started = process.hrtime.bigint();
const cpu = process.cpuUsage();
for (let i = 0; i < BATCHES; i++) await db.transaction().execute(batch);
const wallUs = Number(process.hrtime.bigint() - started) / 1000;
const used = process.cpuUsage(cpu);
const n = BATCHES * ROOMS;
console.log(
  `${root}${receipts ? ' (with receipts)' : ''}: ${(wallUs / n).toFixed(2)} µs a message (wall), ${((used.user + used.system) / n).toFixed(2)} µs of CPU`,
);
await database.close();
rmSync(dir, { recursive: true, force: true });
