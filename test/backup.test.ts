// Backups as an operator takes them: `parley backup` copies the SQLite database of a `parley serve`
// that keeps taking writes, `parley restore` makes the copy a database, and a server started on it
// holds every write acknowledged before the backup began. PostgreSQL: pg_dump and pg_restore, as
// docs/operations.md gives them, restore a database that Parley serves from.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../src/storage/database.ts';
import { Server, WORK_DIR, assertFails, assertSucceeds, killAll, parley, parseJson, postJson } from './support/cli.ts';
import { createTestDatabase, dialectAvailable } from './support/databases.ts';
import { POWERTALK_SEED_REQUEST } from './support/fixtures.ts';

interface Created {
  projectID: string;
  serverKey: { header: string };
}

after(() => killAll());

/** Users the server acknowledged, by xcUserID, with their userID. */
async function countUsers(url: string): Promise<Map<string, number>> {
  const database = await openDatabase(url, { migrate: false });
  try {
    const rows = await database.db.selectFrom('users').select(['xc_user_id', 'id']).execute();
    return new Map(rows.map((r) => [r.xc_user_id, Number(r.id)]));
  } finally {
    await database.close();
  }
}

describe('parley backup and restore (SQLite)', () => {
  const dir = join(WORK_DIR, 'backup');
  mkdirSync(dir, { recursive: true });
  const live = `sqlite:${join(dir, 'live.db')}`;
  const copy = join(dir, 'copy.db');
  const restored = `sqlite:${join(dir, 'restored.db')}`;

  it('copies a serving database under write load; the restored copy holds every write acknowledged before it', async () => {
    const project = parseJson<Created>(await parley(['project', 'create', '--name', 'backup', '--json', '--database', live]));
    const server = new Server(['--port', '0', '--database', live]);
    const base = await server.listening();
    const acked = new Map<string, string>();
    let stop = false;
    let sent = 0;
    // Four writers create users until told to stop.
    const writer = async () => {
      while (!stop) {
        const xcUserID = `u-${sent++}`;
        const res = await postJson(
          `${base}/v1/server/auth_ticket/request`,
          { 'server-key': project.serverKey.header },
          { ...POWERTALK_SEED_REQUEST, xcUserID },
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        acked.set(xcUserID, res.body.data.userID as string);
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    while (acked.size < 200) await new Promise((r) => setTimeout(r, 10));
    const ackedBefore = new Map(acked);
    const backup = await parley(['backup', '--out', copy, '--database', live]);
    const ackedDuring = acked.size;
    stop = true;
    await Promise.all(writers);
    assertSucceeds(backup);
    assert.match(backup.stdout, /^Backed up .*live\.db to .*copy\.db \(\d+ pages\)\n$/);
    assert.ok(acked.size > ackedBefore.size, 'the server kept taking writes while the backup ran');
    assert.deepEqual(await server.stop(), { code: 0, signal: null });

    assertSucceeds(await parley(['restore', '--from', copy, '--database', restored]));
    const users = await countUsers(restored);
    for (const [xcUserID, userID] of ackedBefore) assert.equal(String(users.get(xcUserID)), userID, `${xcUserID} was acknowledged before the backup`);
    assert.ok(users.size <= ackedDuring + 4, 'nothing in the copy that was never sent');

    // A server on the restored database knows the project, its keys and the users.
    const again = new Server(['--port', '0', '--database', restored]);
    const restoredBase = await again.listening();
    const [first] = ackedBefore;
    const res = await postJson(
      `${restoredBase}/v1/server/auth_ticket/request`,
      { 'server-key': project.serverKey.header },
      { ...POWERTALK_SEED_REQUEST, xcUserID: first?.[0] },
    );
    assert.equal(res.body.data.userID, first?.[1]);
    assert.deepEqual(await again.stop(), { code: 0, signal: null });
  });

  it('restore refuses to replace a database that holds data without --force, a missing or foreign file, and PostgreSQL', async () => {
    assertFails(await parley(['restore', '--from', copy, '--database', restored]), 1, 'holds data; stop Parley and pass --force to replace it');
    assertSucceeds(await parley(['restore', '--from', copy, '--force', '--database', restored]));
    assertFails(await parley(['restore', '--from', join(dir, 'none.db'), '--database', restored]), 1, 'no backup at');
    const foreign = join(dir, 'foreign.db');
    spawnSync('node', ['-e', `new (require('better-sqlite3'))(${JSON.stringify(foreign)}).exec('create table t (x)')`], { cwd: process.cwd() });
    assert.ok(existsSync(foreign));
    assertFails(await parley(['restore', '--from', foreign, '--database', join(dir, 'other.db')]), 1, 'is not a Parley database');
    assertFails(await parley(['backup', '--out', copy, '--database', 'postgres://127.0.0.1/x']), 1, 'pg_dump');
    assertFails(await parley(['backup', '--database', live]), 2, 'missing required flag --out');
  });
});

const pgAvailable = await dialectAvailable('postgres');
describe('PostgreSQL backups with pg_dump and pg_restore', { skip: pgAvailable ? false : 'PostgreSQL unreachable' }, () => {
  it('a pg_dump of a serving database restores into one that Parley serves from', async () => {
    const source = await createTestDatabase('postgres');
    const target = await createTestDatabase('postgres');
    try {
      const project = parseJson<Created>(await parley(['project', 'create', '--name', 'pg-backup', '--json', '--database', source.url]));
      const server = new Server(['--port', '0', '--database', source.url]);
      const base = await server.listening();
      const made = await postJson(
        `${base}/v1/server/auth_ticket/request`,
        { 'server-key': project.serverKey.header },
        { ...POWERTALK_SEED_REQUEST, xcUserID: 'kept' },
      );
      const dump = join(WORK_DIR, 'pg.dump');
      // The commands of docs/operations.md, while the server serves.
      const dumped = spawnSync('pg_dump', ['--format=custom', '--no-owner', `--file=${dump}`, source.url], { encoding: 'utf8' });
      assert.equal(dumped.status, 0, dumped.stderr);
      assert.deepEqual(await server.stop(), { code: 0, signal: null });
      const loaded = spawnSync('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${target.url}`, dump], { encoding: 'utf8' });
      assert.equal(loaded.status, 0, loaded.stderr);
      const again = new Server(['--port', '0', '--database', target.url]);
      const againBase = await again.listening();
      const res = await postJson(
        `${againBase}/v1/server/auth_ticket/request`,
        { 'server-key': project.serverKey.header },
        { ...POWERTALK_SEED_REQUEST, xcUserID: 'kept' },
      );
      assert.equal(res.body.data.userID, made.body.data.userID);
      assert.deepEqual(await again.stop(), { code: 0, signal: null });
    } finally {
      await target.drop();
      await source.drop();
    }
  });
});
