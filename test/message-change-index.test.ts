// Messages by the time of their latest event (migration 0017): a new message has no entry in the index
// of changed messages, so the three queries by change time ask `(room, created)` for the unchanged and
// `messages_room_changed` for the changed. Each is checked against the rule it answers (`updated_at` in
// the window), over rooms where creations and changes interleave, on both databases; on SQLite also that
// it reaches the rows through those indexes rather than through a room's or the project's every row.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type LogEvent, SqliteDialect } from 'kysely';
import { changedBetween } from '../src/repos/message-lists.ts';
import { listAfter, listChangedBetween } from '../src/repos/messages.ts';
import { insertProject } from '../src/repos/projects.ts';
import { type Database, openDatabase } from '../src/storage/database.ts';
import type { DB } from '../src/storage/schema.ts';
import { type TestDatabase, createTestDatabase, eachDialect } from './support/databases.ts';

const PROJECT = 'changes';
/** Each room and its two members: user 1 is in the first two only. */
const ROOMS: Array<[string, number, number]> = [
  ['1-2', 1, 2],
  ['1-3', 1, 3],
  ['2-3', 2, 3],
];

interface Row {
  id: number;
  room: string;
  created: number;
  updated: number;
}

/** A deterministic sequence in [0, 1). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

await eachDialect(describe, 'messages by the time of their latest event', (dialect) => {
  let file: TestDatabase;
  let database: Database;
  const rows: Row[] = [];
  const next = random(7);
  let latest = 0;

  before(async () => {
    file = await createTestDatabase(dialect);
    database = await openDatabase(file.url);
    const { db } = database;
    await insertProject(db, { id: PROJECT, name: PROJECT, tier: null, createdAt: 1 });
    for (const [room, a, b] of ROOMS) {
      const room_ = { project_id: PROJECT, id: room, type: 1, name: '', xc_room_id: '', image_thumbnail: '', image_fullsize: '', color: '' };
      await db
        .insertInto('rooms')
        .values({ ...room_, created_at: 1, updated_at: 1 })
        .execute();
      for (const user of [a, b]) await db.insertInto('room_members').values({ project_id: PROJECT, room_id: room, user_id: user, joined_at: 1 }).execute();
      // The room's events, each later than the one before: a new message, or a change to one of its messages.
      let at = 1_000 + Math.floor(next() * 5);
      const mine: Row[] = [];
      for (let e = 0; e < 120; e++) {
        at += 1 + Math.floor(next() * 3);
        if (mine.length === 0 || next() < 0.55) {
          const { id } = await db
            .insertInto('messages')
            .values({
              project_id: PROJECT,
              room_id: room,
              sender_id: next() < 0.5 ? a : b,
              local_id: `${room}-${e}`,
              type: 1001,
              body: 'b',
              data: '',
              extra: '{}',
              is_hidden: 0,
              is_delivered: 0,
              is_read: 0,
              is_deleted: 0,
              is_edited: 0,
              created_at: at,
              updated_at: at,
              deleted_at: 0,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          mine.push({ id: Number(id), room, created: at, updated: at });
        } else {
          const row = mine[Math.floor(next() * mine.length)] as Row;
          await db.updateTable('messages').set({ is_read: 1, updated_at: at }).where('id', '=', row.id).execute();
          row.updated = at;
        }
      }
      rows.push(...mine);
      latest = Math.max(latest, at);
    }
    assert.ok(rows.some((r) => r.updated > r.created) && rows.some((r) => r.updated === r.created), 'both kinds are there');
  });

  after(async () => {
    await database?.close();
    await file?.drop();
  });

  /** Windows over the rooms' events, their edges included, and the open ones. */
  const windows = (): Array<[number, number]> => {
    const pick = () => 995 + Math.floor(next() * (latest - 990));
    const out: Array<[number, number]> = [
      [0, Number.MAX_SAFE_INTEGER],
      [0, 0],
    ];
    for (let i = 0; i < 40; i++) {
      const [x, y] = [pick(), pick()];
      out.push([Math.min(x, y), Math.max(x, y)]);
    }
    return out;
  };
  const ids = (list: Array<{ id: number }>) => list.map((m) => Number(m.id));

  it("a room's messages whose latest event fell in (after, before): what a node refills", async () => {
    for (const [room] of ROOMS) {
      for (const [from, to] of windows()) {
        const expected = rows.filter((r) => r.room === room && r.updated > from && r.updated < to).sort((x, y) => x.updated - y.updated);
        assert.deepEqual(ids(await listChangedBetween(database.db, PROJECT, room, from, to)), ids(expected), `${room} (${from}, ${to})`);
      }
    }
  });

  it("a room after a client's watermarks: created at/after minCreated, or changed after lastUpdated", async () => {
    for (const [room, viewer] of ROOMS) {
      for (const [minCreated, lastUpdated] of [...windows(), ...windows().map(([x, y]): [number, number] => [y, x])]) {
        const expected = rows
          .filter((r) => r.room === room && (r.created >= minCreated || r.updated > lastUpdated))
          .sort((x, y) => y.created - x.created || y.id - x.id);
        const got = await listAfter(database.db, PROJECT, room, viewer, minCreated, lastUpdated, 1_000);
        assert.deepEqual(ids(got), ids(expected), `${room} minCreated ${minCreated} lastUpdated ${lastUpdated}`);
      }
    }
  });

  it("a user's rooms' messages whose latest event fell in (after, upTo], oldest first", async () => {
    const rooms = new Set(ROOMS.filter(([, a, b]) => a === 1 || b === 1).map(([room]) => room));
    for (const [from, to] of windows()) {
      const expected = rows.filter((r) => rooms.has(r.room) && r.updated > from && r.updated <= to).sort((x, y) => x.updated - y.updated || x.id - y.id);
      const got = await changedBetween(database.db, PROJECT, 1, from, to, 1_000);
      assert.deepEqual(ids(got), ids(expected), `(${from}, ${to}]`);
      assert.ok(got.every((m) => rooms.has(m.roomId)));
    }
    // The limit keeps the oldest changes.
    const all = rows.filter((r) => rooms.has(r.room)).sort((x, y) => x.updated - y.updated || x.id - y.id);
    assert.deepEqual(ids(await changedBetween(database.db, PROJECT, 1, 0, Number.MAX_SAFE_INTEGER, 7)), ids(all.slice(0, 7)));
  });

  if (dialect === 'sqlite') {
    it('SQLite reaches them through the room indexes, never reading every message of a room or of the project', async () => {
      const queries: LogEvent['query'][] = [];
      const raw = new BetterSqlite3(file.url.replace(/^sqlite:/, ''));
      const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: raw }), log: (event) => void queries.push(event.query) });
      try {
        await listChangedBetween(db, PROJECT, '1-2', 1_000, 1_100);
        await changedBetween(db, PROJECT, 1, 1_000, 1_100, 50);
        assert.equal(queries.length, 2);
        for (const query of queries) {
          const plan = raw
            .prepare(`explain query plan ${query.sql}`)
            .all(...(query.parameters as unknown[]))
            .map((r) => (r as { detail: string }).detail);
          const text = plan.join('\n');
          assert.match(text, /messages_room_created \(project_id=\? AND room_id=\? AND created_at>\? AND created_at<\?\)/, text);
          assert.match(text, /messages_room_changed \(project_id=\? AND room_id=\? AND updated_at>\? AND updated_at<\?\)/, text);
          assert.ok(!plan.some((line) => /^SCAN /.test(line)), `no table read whole:\n${text}`);
          // A room by its members: the user's memberships alone.
          if (query.sql.includes('room_members')) assert.match(text, /room_members_user \(project_id=\? AND user_id=\?\)/, text);
        }
      } finally {
        await db.destroy();
      }
    });
  }
});
