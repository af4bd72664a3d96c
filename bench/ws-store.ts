// The chat's floor: what storing a message before its echo costs, with nothing of Parley's own code
// around it. The database is Parley's (its migrations, its connection settings and its checkpointer,
// through `openDatabase`); each message is the room's next event and a row of `messages`, the two
// statements Parley runs per message, written with better-sqlite3 directly. The messages queued
// during one turn of the event loop share one transaction under Parley's group-commit bounds (256
// jobs, 8 ms: storage/batcher.ts), and each is echoed once its transaction committed.
//
// Switches for experiments (docs/performance.md), all off in the bench's figures:
//   PARLEY_BENCH_FLOOR_SYNCHRONOUS=OFF      the connection's `synchronous` (NORMAL, as Parley's default)
//   PARLEY_BENCH_FLOOR_CHECKPOINT_MS=25     the background checkpointer's interval (50, as Parley's)
//   PARLEY_BENCH_FLOOR_TRACE=<file>         appends each transaction over 3 ms: time, ms, jobs, ms of its COMMIT
import { appendFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { insertProject } from '../src/repos/projects.ts';
import { startCheckpointer } from '../src/storage/checkpointer.ts';
import { openDatabase } from '../src/storage/database.ts';

export interface StoredEcho {
  sender: number;
  data: Record<string, unknown> & { room: { roomID: string } };
  /** Called with the message's id once it is committed. */
  echo(id: number): void;
}

const PROJECT = 'floor';
const MAX_BATCH = 256;
const MAX_BATCH_MS = 8;
/** The client's fields Parley keeps in `messages.extra` (chat/message-input.ts). */
const EXTRA = ['quote', 'replyTo', 'forwardFrom', 'target', 'filterID', 'recipientID', 'action'] as const;

export async function openStore(file: string): Promise<{ queue(job: StoredEcho): void }> {
  const env = process.env;
  // Parley's schema, then Parley's background checkpointer, told of each commit as Parley's connection tells it.
  const parley = await openDatabase(`sqlite:${file}`);
  await insertProject(parley.db, { id: PROJECT, name: PROJECT, tier: null, createdAt: Date.now() });
  await parley.close();
  const interval = env.PARLEY_BENCH_FLOOR_CHECKPOINT_MS;
  const checkpointer = startCheckpointer(file, interval === undefined ? undefined : Number(interval));
  const sqlite = new BetterSqlite3(file);
  // As storage/sqlite.ts sets its connection.
  sqlite.pragma(`synchronous = ${env.PARLEY_BENCH_FLOOR_SYNCHRONOUS === 'OFF' ? 'OFF' : 'NORMAL'}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('wal_autocheckpoint = 4000');
  sqlite.pragma('journal_size_limit = 16777216');

  const nextEvent = sqlite.prepare<[number, number, string, string], { seq: number; last_event_at: number }>(
    'update "rooms" set "seq" = "seq" + 1, "last_event_at" = case when last_event_at >= ? then last_event_at + 1 else ? end ' +
      'where "project_id" = ? and "id" = ? returning "seq", "last_event_at"',
  );
  const insertRoom = sqlite.prepare(
    'insert into "rooms" ("project_id", "id", "type", "name", "xc_room_id", "image_thumbnail", "image_fullsize", "color", "created_at", "updated_at") ' +
      `values (?, ?, 1, '', '', '', '', '', ?, ?) on conflict ("project_id", "id") do nothing`,
  );
  const insertMessage = sqlite.prepare<unknown[], { id: number }>(
    'insert into "messages" ("project_id", "room_id", "sender_id", "local_id", "type", "body", "data", "extra", "is_hidden", "is_delivered", "is_read", ' +
      '"is_deleted", "is_edited", "created_at", "updated_at", "deleted_at") values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?, 0) ' +
      'on conflict ("project_id", "sender_id", "local_id") do nothing returning "id"',
  );
  const [begin, commit] = [sqlite.prepare('begin'), sqlite.prepare('commit')];

  const store = (job: StoredEcho): number => {
    const { data } = job;
    const roomId = data.room.roomID;
    const now = Date.now();
    let event = nextEvent.get(now, now, PROJECT, roomId);
    if (event === undefined) {
      insertRoom.run(PROJECT, roomId, now, now);
      event = nextEvent.get(now, now, PROJECT, roomId);
    }
    const at = (event as { last_event_at: number }).last_event_at;
    const extra = JSON.stringify(Object.fromEntries(EXTRA.map((k) => [k, data[k] ?? null])));
    const values = [PROJECT, roomId, job.sender, String(data.localID), Number(data.type), String(data.body), String(data.data ?? ''), extra];
    return insertMessage.get(...values, data.isHidden === true ? 1 : 0, at, at)?.id ?? 0;
  };

  let queue: StoredEcho[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = queue.splice(0, MAX_BATCH);
    const started = performance.now();
    const ids: number[] = [];
    begin.run();
    try {
      for (const job of batch) {
        if (ids.length > 0 && performance.now() - started >= MAX_BATCH_MS) break;
        ids.push(store(job));
      }
    } catch (err) {
      sqlite.exec('rollback');
      throw err;
    }
    const committing = performance.now();
    commit.run();
    checkpointer.wrote();
    const ended = performance.now();
    if (env.PARLEY_BENCH_FLOOR_TRACE !== undefined && ended - started > 3) {
      appendFileSync(env.PARLEY_BENCH_FLOOR_TRACE, `${Date.now()} ${(ended - started).toFixed(1)} ${ids.length} ${(ended - committing).toFixed(1)}\n`);
    }
    // The jobs it had no time for go first in the next transaction.
    queue = [...batch.splice(ids.length), ...queue];
    for (const [i, job] of batch.entries()) job.echo(ids[i] as number);
    if (queue.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  return {
    queue(job) {
      queue.push(job);
      schedule();
    },
  };
}
