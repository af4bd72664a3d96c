// The `parley` admin CLI as an operator runs it: `node bin/parley.js …` in a child process (no
// shell), against the compiled dist/, on each database. Asserts exit codes and the exact output.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/storage/database.ts';
import { isUniqueViolation } from '../src/storage/dialect.ts';
import { LATEST_MIGRATION, createMigrator } from '../src/storage/migrate.ts';
import {
  type Envelope,
  ROOT,
  WORK_DIR,
  STACK_FRAME,
  Server,
  assertExit,
  assertFails,
  assertSucceeds,
  killAll,
  parley,
  parseJson,
  postJson,
} from './support/cli.ts';
import { type TestDatabase, createTestDatabase, eachDialect } from './support/databases.ts';
import { ONETALK_SEED_REQUEST, POWERTALK_SEED_REQUEST, UUID_V4 } from './support/fixtures.ts';

// --- what the CLI prints -----------------------------------------------------------------------

interface PairKey {
  id: string;
  secret: string;
  header: string;
}

interface CreatedProject {
  projectID: string;
  name: string;
  tier: string | null;
  serverKey: PairKey;
  apiKey: string;
  appKey: PairKey;
}

interface ProjectRow {
  projectID: string;
  name: string;
  tier: string | null;
  created: number;
}

interface KeyRow {
  id: string;
  type: string;
  created: number;
  lastUsed: number | null;
  revoked: number | null;
}

const PROJECT_ID = /^prj_[0-9a-z]{26}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A server or app key as shown once: a prefixed id, a 43-character secret, header = base64(id:secret). */
function assertPairKey(key: PairKey, prefix: 'srv' | 'app'): void {
  assert.deepEqual(Object.keys(key), ['id', 'secret', 'header']);
  assert.match(key.id, new RegExp(`^${prefix}_[0-9a-z]{26}$`));
  assert.match(key.secret, SECRET);
  assert.equal(key.header, base64(`${key.id}:${key.secret}`));
}

/** An API key is `<id>.<secret>`; returns both parts. */
function splitApiKey(apiKey: string): { id: string; secret: string } {
  const match = /^(api_[0-9a-z]{26})\.([A-Za-z0-9_-]{43})$/.exec(apiKey);
  assert.ok(match, `API key ${apiKey} is <id>.<secret>`);
  return { id: match[1] as string, secret: match[2] as string };
}

function assertCreatedProject(p: CreatedProject, name: string, tier: string | null): void {
  assert.deepEqual(Object.keys(p), ['projectID', 'name', 'tier', 'serverKey', 'apiKey', 'appKey']);
  assert.match(p.projectID, PROJECT_ID);
  assert.equal(p.name, name);
  assert.equal(p.tier, tier);
  assertPairKey(p.serverKey, 'srv');
  splitApiKey(p.apiKey);
  assertPairKey(p.appKey, 'app');
}

/** Every secret a project was created with, by key id. */
function secretsOf(p: CreatedProject): Array<[string, string]> {
  const api = splitApiKey(p.apiKey);
  return [
    [p.serverKey.id, p.serverKey.secret],
    [api.id, api.secret],
    [p.appKey.id, p.appKey.secret],
  ];
}

// --- the commands, on each database ------------------------------------------------------------

await eachDialect(describe, 'parley admin CLI', (dialect) => {
  let database: TestDatabase | undefined;
  let url = '';
  const run = (...args: string[]) => parley([...args, '--database', url]);

  /** Every secret the CLI has shown on this database, by key id. */
  const secrets = new Map<string, string>();
  let project: CreatedProject;
  let untiered: CreatedProject;
  const createdKeys: { server?: PairKey; api?: { id: string; apiKey: string }; app?: PairKey } = {};

  before(async () => {
    database = await createTestDatabase(dialect);
    url = database.url;
  });
  after(async () => {
    await killAll();
    await database?.drop();
  });

  it('migrate: applies every migration to a fresh database, then finds it up to date', async () => {
    const first = await run('migrate');
    assertSucceeds(first);
    assert.match(first.stdout, /^Applied: 0001_core(, \d{4}_\w+)*\n$/);
    assert.ok(first.stdout.endsWith(`${LATEST_MIGRATION}\n`), `the last one applied is ${LATEST_MIGRATION}`);
    const second = await run('migrate');
    assertSucceeds(second);
    assert.equal(second.stdout, 'Database is up to date\n');
  });

  it('migrate: is not cut short by the statement timeout a serving node keeps (a long migration, or a wait for the lock)', async (t) => {
    if (dialect !== 'postgres') return t.skip('PostgreSQL only: the timeout is a PostgreSQL setting');
    // Another session holds Kysely's migration lock for longer than the statement timeout given.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock(3853314791062309107)');
      const running = parley(['migrate', '--database', url], 60_000, { PARLEY_PG_STATEMENT_TIMEOUT: '1000', PARLEY_PG_QUERY_TIMEOUT: '1500' });
      // Once the command waits for the lock, it keeps waiting past both timeouts before the lock is freed.
      const waiting = async () => (await holder.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted")).rows[0].n > 0;
      for (let i = 0; i < 600 && !(await waiting()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(await waiting(), 'parley migrate waits for the migration lock');
      await new Promise((r) => setTimeout(r, 2500));
      await holder.query('select pg_advisory_unlock(3853314791062309107)');
      const waited = await running;
      assertSucceeds(waited);
      assert.match(waited.stdout, /^(Database is up to date|Applied: 0001_core(, \d{4}_\w+)*)\n$/);
    } finally {
      await holder.end();
    }
  });

  it('project create --json: exactly one JSON object with the project and one key of each type', async () => {
    project = parseJson<CreatedProject>(await run('project', 'create', '--name', 'Acme Support', '--tier', 'free', '--json'));
    assertCreatedProject(project, 'Acme Support', 'free');
    for (const [id, secret] of secretsOf(project)) secrets.set(id, secret);
  });

  it('project create without --tier: tier null', async () => {
    untiered = parseJson<CreatedProject>(await run('project', 'create', '--name', 'No Tier Yet', '--json'));
    assertCreatedProject(untiered, 'No Tier Yet', null);
    assert.notEqual(untiered.projectID, project.projectID);
    for (const [id, secret] of secretsOf(untiered)) secrets.set(id, secret);
  });

  it('project create without --json: the same keys, one labelled line each', async () => {
    const res = await run('project', 'create', '--name', 'Human Readable', '--tier', 'enterprise');
    assertSucceeds(res);
    const keys = parseKeyLines(res.stdout);
    assert.match(res.stdout, /^Project Human Readable \(prj_[0-9a-z]{26}\), tier enterprise\n/);
    const server = Buffer.from(keys.serverHeader, 'base64').toString('utf8').split(':');
    const app = Buffer.from(keys.appHeader, 'base64').toString('utf8').split(':');
    assert.match(server[0] as string, /^srv_/);
    assert.match(app[0] as string, /^app_/);
    assert.ok(res.stdout.includes(`(id ${server[0]}, secret ${server[1]})`));
    assert.ok(res.stdout.includes(`(id ${app[0]}, secret ${app[1]})`));
    const api = splitApiKey(keys.apiKey);
    secrets
      .set(server[0] as string, server[1] as string)
      .set(app[0] as string, app[1] as string)
      .set(api.id, api.secret);
  });

  it('project list --json: lists the projects with their tiers, oldest first', async () => {
    const rows = parseJson<ProjectRow[]>(await run('project', 'list', '--json'));
    assert.ok(Array.isArray(rows));
    assert.equal(rows.length, 3);
    for (const row of rows) assert.deepEqual(Object.keys(row), ['projectID', 'name', 'tier', 'created']);
    assert.deepEqual(
      rows.slice(0, 2).map((r) => [r.projectID, r.name, r.tier]),
      [
        [project.projectID, 'Acme Support', 'free'],
        [untiered.projectID, 'No Tier Yet', null],
      ],
    );
    assert.ok(rows.every((r) => Number.isInteger(r.created) && r.created > 1.7e12));
  });

  it('project list without --json: one line per project', async () => {
    const res = await run('project', 'list');
    assertSucceeds(res);
    const lines = res.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0] as string, new RegExp(`^${project.projectID}  Acme Support  tier free  created \\d{4}-\\d\\d-\\d\\dT`));
    assert.match(lines[1] as string, new RegExp(`^${untiered.projectID}  No Tier Yet  tier none  created `));
  });

  it('tier select: sets the tier, and project list shows it', async () => {
    const res = await run('tier', 'select', '--project', untiered.projectID, '--tier', 'pro');
    assertSucceeds(res);
    assert.equal(res.stdout, `Project ${untiered.projectID} now has tier pro\n`);
    const rows = parseJson<ProjectRow[]>(await run('project', 'list', '--json'));
    assert.equal(rows.find((r) => r.projectID === untiered.projectID)?.tier, 'pro');
    assert.equal(rows.find((r) => r.projectID === project.projectID)?.tier, 'free', 'other projects keep theirs');
  });

  it('key create --json: {id, secret, header} for server and app keys, {id, apiKey} for API keys', async () => {
    const server = parseJson<PairKey>(await run('key', 'create', '--project', project.projectID, '--type', 'server', '--json'));
    assertPairKey(server, 'srv');
    const api = parseJson<{ id: string; apiKey: string }>(await run('key', 'create', '--project', project.projectID, '--type', 'api', '--json'));
    assert.deepEqual(Object.keys(api), ['id', 'apiKey']);
    const apiParts = splitApiKey(api.apiKey);
    assert.equal(apiParts.id, api.id);
    const app = parseJson<PairKey>(await run('key', 'create', '--project', project.projectID, '--type', 'app', '--json'));
    assertPairKey(app, 'app');
    assert.equal(new Set([server.id, api.id, app.id, ...secretsOf(project).map(([id]) => id)]).size, 6, 'fresh ids');
    Object.assign(createdKeys, { server, api, app });
    secrets.set(server.id, server.secret).set(api.id, apiParts.secret).set(app.id, app.secret);
  });

  it('key create without --json: the header line, shown once', async () => {
    const res = await run('key', 'create', '--project', project.projectID, '--type', 'api');
    assertSucceeds(res);
    const match = /^API-Key \(shown only now\): (\S+)\n$/.exec(res.stdout);
    assert.ok(match, res.stdout);
    const api = splitApiKey(match[1] as string);
    secrets.set(api.id, api.secret);
  });

  it('key list --json: every key of the project, and no secret anywhere in the output', async () => {
    const res = await run('key', 'list', '--project', project.projectID, '--json');
    const rows = parseJson<KeyRow[]>(res);
    const expected = [...secretsOf(project).map(([id]) => id), createdKeys.server?.id, createdKeys.api?.id, createdKeys.app?.id];
    assert.equal(rows.length, 7, 'three from project create, four from key create');
    for (const id of expected)
      assert.ok(
        rows.some((r) => r.id === id),
        `${id} is listed`,
      );
    for (const row of rows) {
      assert.deepEqual(Object.keys(row), ['id', 'type', 'created', 'lastUsed', 'revoked']);
      assert.equal(row.type, { srv: 'server', api: 'api', app: 'app' }[row.id.slice(0, 3)]);
      assert.ok(Number.isInteger(row.created));
      assert.equal(row.lastUsed, null);
      assert.equal(row.revoked, null);
    }
    for (const secret of secrets.values()) assert.ok(!res.stdout.includes(secret), 'no secret is printed');
    for (const secret of secrets.values()) assert.ok(!res.stdout.includes(sha256(secret)), 'nor its hash');
    const headers = [project.serverKey.header, project.appKey.header, createdKeys.server?.header, createdKeys.app?.header];
    for (const header of headers) assert.ok(!res.stdout.includes(header as string), 'nor a header');
  });

  it('key list without --json: one line per key, no secret either', async () => {
    const res = await run('key', 'list', '--project', project.projectID);
    assertSucceeds(res);
    const lines = res.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 7);
    assert.match(res.stdout, new RegExp(`^${project.serverKey.id}  server  active  created \\d{4}-\\S+  last used never$`, 'm'));
    assert.match(res.stdout, new RegExp(`^${createdKeys.api?.id}  api     active  created `, 'm'));
    for (const secret of secrets.values()) assert.ok(!res.stdout.includes(secret));
  });

  it('key revoke: revokes at once; key list shows when; revoking again fails with a message', async () => {
    const keyId = createdKeys.server?.id as string;
    const res = await run('key', 'revoke', keyId);
    assertSucceeds(res);
    assert.equal(res.stdout, `Key ${keyId} revoked\n`);
    const rows = parseJson<KeyRow[]>(await run('key', 'list', '--project', project.projectID, '--json'));
    const revoked = rows.find((r) => r.id === keyId);
    assert.ok(revoked?.revoked !== null && revoked?.revoked !== undefined, 'revoked is set');
    assert.ok(revoked.revoked >= revoked.created);
    assert.deepEqual(
      rows.filter((r) => r.revoked !== null).map((r) => r.id),
      [keyId],
      'only that key',
    );
    const text = await run('key', 'list', '--project', project.projectID);
    assert.match(text.stdout, new RegExp(`^${keyId}  server  revoked \\d{4}-`, 'm'));

    assertFails(await run('key', 'revoke', keyId), 1, `parley key revoke: no active key with id ${keyId}\n`);
    assertFails(await run('key', 'revoke', 'srv_00000000000000000000000000'), 1, 'no active key with id srv_00000000000000000000000000');
  });

  it('stores only SHA-256 hashes of the secrets: no column of api_keys holds one', async () => {
    const opened = await openDatabase(url, { migrate: false });
    try {
      const rows = await opened.db.selectFrom('api_keys').selectAll().execute();
      assert.equal(rows.length, secrets.size, 'one row per key the CLI created');
      for (const row of rows) {
        const secret = secrets.get(row.id);
        assert.ok(secret !== undefined, `${row.id} was created by the CLI`);
        assert.equal(row.secret_hash, sha256(secret));
        for (const [column, value] of Object.entries(row)) {
          for (const s of secrets.values()) assert.ok(!String(value).includes(s), `api_keys.${column} of ${row.id} holds no secret`);
        }
      }
      const other = [...(await opened.db.selectFrom('projects').selectAll().execute()), ...(await opened.db.selectFrom('settings').selectAll().execute())];
      for (const row of other) {
        for (const value of Object.values(row)) for (const s of secrets.values()) assert.ok(!String(value).includes(s));
      }
    } finally {
      await opened.close();
    }
  });

  it('fails with exit 1 and one line for an unknown project (id or name) or key', async () => {
    const unknown = (value: string) => `no project with id or name "${value}" (parley project list shows them)\n`;
    for (const nope of ['prj_00000000000000000000000000', 'Acme Support Ltd']) {
      const runs = await Promise.all([
        run('tier', 'select', '--project', nope, '--tier', 'pro'),
        run('key', 'create', '--project', nope, '--type', 'server'),
        run('key', 'list', '--project', nope),
        run('report', 'list', '--project', nope),
        run('webhook', 'create', '--project', nope, '--url', 'https://example.com/hook'),
        run('webhook', 'list', '--project', nope),
        run('webhook', 'deliveries', '--project', nope),
      ]);
      const commands = ['tier select', 'key create', 'key list', 'report list', 'webhook create', 'webhook list', 'webhook deliveries'];
      for (const [i, res] of runs.entries()) assertFails(res, 1, `parley ${commands[i]}: ${unknown(nope)}`);
    }
    const rows = parseJson<ProjectRow[]>(await run('project', 'list', '--json'));
    assert.equal(rows.length, 3, 'nothing was created');
  });

  it('--project takes a name too (any case, extra spaces), and an id that exists wins over a name', async () => {
    const byId = parseJson<KeyRow[]>(await run('key', 'list', '--project', project.projectID, '--json'));
    for (const name of ['Acme Support', '  acme   SUPPORT ']) {
      assert.deepEqual(parseJson<KeyRow[]>(await run('key', 'list', '--project', name, '--json')), byId, name);
    }
    const select = await run('tier', 'select', '--project', 'no tier yet', '--tier', 'enterprise');
    assertSucceeds(select);
    assert.equal(select.stdout, `Project ${untiered.projectID} now has tier enterprise\n`, 'the id it resolved to');
    const created = parseJson<PairKey>(await run('key', 'create', '--project', 'No Tier Yet', '--type', 'app', '--json'));
    secrets.set(created.id, created.secret);
    const keys = parseJson<KeyRow[]>(await run('key', 'list', '--project', untiered.projectID, '--json'));
    assert.ok(
      keys.some((k) => k.id === created.id),
      'the key went to the named project',
    );
    const caseEvents = ['case.created', 'case.assigned', 'case.updated', 'case.reopened', 'case.rated', 'case.resolved'];
    const hook = parseJson<{ id: string; events: string[] }>(
      await run('webhook', 'create', '--project', 'acme support', '--url', 'https://example.com/hook', '--events', caseEvents.join(','), '--json'),
    );
    assert.deepEqual(hook.events, caseEvents, 'the case events are known names');
    const hooks = parseJson<Array<{ id: string }>>(await run('webhook', 'list', '--project', project.projectID, '--json'));
    assert.deepEqual(
      hooks.map((h) => h.id),
      [hook.id],
    );
    assertSucceeds(await run('webhook', 'delete', hook.id));
    assert.deepEqual(parseJson<unknown[]>(await run('report', 'list', '--project', 'Acme Support', '--json')), []);
    assert.deepEqual(parseJson<unknown[]>(await run('webhook', 'deliveries', '--project', 'Acme Support', '--json')), []);

    // A project named like another's id: the id wins; the name still reaches its own project.
    const lookalike = parseJson<CreatedProject>(await run('project', 'create', '--name', untiered.projectID, '--json'));
    for (const [id, secret] of secretsOf(lookalike)) secrets.set(id, secret);
    const tiered = await run('tier', 'select', '--project', untiered.projectID, '--tier', 'pro');
    assert.equal(tiered.stdout, `Project ${untiered.projectID} now has tier pro\n`);
    const lower = await run('tier', 'select', '--project', untiered.projectID.toUpperCase(), '--tier', 'free');
    assert.equal(lower.stdout, `Project ${lookalike.projectID} now has tier free\n`, 'not an id: the name, compared ignoring case');
  });

  it('project create refuses a name that is taken, ignoring case and extra spaces', async () => {
    const before = parseJson<ProjectRow[]>(await run('project', 'list', '--json'));
    for (const name of ['Acme Support', 'ACME SUPPORT', '  acme\tsupport  ']) {
      assertFails(
        await run('project', 'create', '--name', name, '--tier', 'free'),
        1,
        `parley project create: a project named "${name.trim()}" exists already (names are compared ignoring case and extra spaces): choose another name\n`,
      );
    }
    assert.deepEqual(parseJson<ProjectRow[]>(await run('project', 'list', '--json')), before, 'nothing was created');
    const similar = parseJson<CreatedProject>(await run('project', 'create', '--name', 'Acme Support 2', '--json'));
    for (const [id, secret] of secretsOf(similar)) secrets.set(id, secret);
  });
});

// --- migration 0012_project_names on a database that holds duplicate names ----------------------

await eachDialect(describe, 'migration 0012_project_names', (dialect) => {
  let database: TestDatabase | undefined;
  before(async () => {
    database = await createTestDatabase(dialect);
  });
  after(async () => {
    await database?.drop();
  });

  it('keeps the oldest of names that compare equal and renames the later ones "<name> (2)", "(3)", …', async () => {
    const url = (database as TestDatabase).url;
    const opened = await openDatabase(url, { migrate: false });
    try {
      assert.equal((await createMigrator(opened.db).migrateTo('0011_retention')).error, undefined);
      // As a Parley before 0012 could leave them: names that differ only in case and spaces.
      const rows = [
        ['prj_a', 'Acme'],
        ['prj_b', ' acme '],
        ['prj_c', 'ACME'],
        ['prj_d', 'acme (2)'],
        ['prj_e', 'Other'],
      ].map(([id, name], i) => ({ id, name, tier: null, created_at: 1_700_000_000_000 + i }));
      await (opened.db as unknown as Kysely<Record<string, Record<string, unknown>>>).insertInto('projects').values(rows).execute();
    } finally {
      await opened.close();
    }
    const migrated = await parley(['migrate', '--database', url]);
    assertSucceeds(migrated);
    assert.ok(migrated.stdout.includes('0012_project_names'), migrated.stdout);
    const list = parseJson<ProjectRow[]>(await parley(['project', 'list', '--json', '--database', url]));
    assert.deepEqual(
      list.map((p) => [p.projectID, p.name]),
      [
        ['prj_a', 'Acme'],
        ['prj_b', 'acme (2)'],
        ['prj_c', 'ACME (3)'],
        ['prj_d', 'acme (2) (2)'],
        ['prj_e', 'Other'],
      ],
    );
    assertFails(await parley(['project', 'create', '--name', 'acme', '--database', url]), 1, 'a project named "acme" exists already');
    // The unique index holds even without the service's look first.
    const again = await openDatabase(url, { migrate: false });
    try {
      await assert.rejects(
        again.db.insertInto('projects').values({ id: 'prj_f', name: 'OTHER', name_key: 'other', tier: null, created_at: 1 }).execute(),
        (err: unknown) => isUniqueViolation(err),
      );
    } finally {
      await again.close();
    }
    assertSucceeds(await parley(['key', 'list', '--project', 'ACME (3)', '--database', url]));
  });
});

// --- wrong usage (no database is opened) -------------------------------------------------------

describe('parley admin CLI: wrong usage', () => {
  const dbPath = join(WORK_DIR, 'usage', 'parley.db');
  const run = (...args: string[]) => parley([...args, '--database', `sqlite:${dbPath}`]);

  after(() => assert.ok(!existsSync(dbPath), 'a usage error never opens (or creates) the database'));

  it('no arguments: usage on stderr, exit 2', async () => {
    const res = await parley([]);
    assertFails(res, 2, 'Usage: parley <command> [flags]');
    assert.ok(res.stderr.includes('project create --name N'));
  });

  it('--help: usage on stdout, exit 0', async () => {
    const res = await parley(['--help']);
    assertSucceeds(res);
    assert.ok(res.stdout.startsWith('Usage: parley <command> [flags]\n'));
  });

  it('--help after any command or group: that part of the usage on stdout, exit 0; --version', async () => {
    const usage = (await parley(['--help'])).stdout;
    // The commands as the usage lists them: the words of each entry before its first flag or argument.
    const commands = [...usage.matchAll(/^ {2}([a-z]+(?: [a-z]+)?)\b/gm)].map((m) => m[1] as string);
    assert.ok(commands.length >= 10 && commands.includes('serve') && commands.includes('webhook replay'), commands.join(', '));
    const helps = await Promise.all(commands.map((c) => parley([...c.split(' '), '--help'])));
    for (const [i, res] of helps.entries()) {
      assertSucceeds(res);
      assert.ok(res.stdout.startsWith(`Usage: parley ${commands[i]} …\n\n  ${commands[i]}`), res.stdout);
    }
    const group = await parley(['webhook', '-h']);
    assertSucceeds(group);
    for (const c of commands.filter((c) => c.startsWith('webhook '))) assert.ok(group.stdout.includes(`\n  ${c} `), c);
    const version = await parley(['--version']);
    assertSucceeds(version);
    assert.equal(version.stdout, `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
  });

  it('an unknown command: exit 2, naming it, with the usage', async () => {
    const [one, two, half] = await Promise.all([parley(['frobnicate']), parley(['project', 'delete', '--name', 'x']), parley(['project'])]);
    assertFails(one, 2, /^parley: unknown command "frobnicate"\n\nUsage: parley/);
    assertFails(two, 2, 'unknown command "project delete"');
    assertFails(half, 2, 'unknown command "project"');
  });

  it('project create without --name: exit 2, "missing required flag --name"', async () => {
    const [missing, blank] = await Promise.all([run('project', 'create', '--tier', 'free'), run('project', 'create', '--name', '   ')]);
    assertFails(missing, 2, 'missing required flag --name');
    assert.equal(missing.stderr, 'parley project create: missing required flag --name\n');
    assertFails(blank, 2, 'missing required flag --name');
  });

  it('an unknown flag, a flag without its value, or a stray argument: exit 2', async () => {
    const [unknown, unknownWithValue, noValue, stray] = await Promise.all([
      run('project', 'list', '--verbose'),
      run('project', 'create', '--name', 'x', '--colour', 'red'),
      parley(['project', 'create', '--database', `sqlite:${dbPath}`, '--name']),
      run('migrate', 'now'),
    ]);
    assertFails(unknown, 2, "parley project list: Unknown option '--verbose'");
    assertFails(unknownWithValue, 2, "Unknown option '--colour'");
    assertFails(noValue, 2, "Option '--name <value>' argument missing");
    assertFails(stray, 2, "Unexpected argument 'now'");
  });

  it('--tier gold: exit 2, naming the tiers', async () => {
    const [create, select] = await Promise.all([
      run('project', 'create', '--name', 'x', '--tier', 'gold'),
      run('tier', 'select', '--project', 'prj_00000000000000000000000000', '--tier', 'gold'),
    ]);
    assertFails(create, 2, 'parley project create: unknown tier "gold" (choose one of: free, pro, enterprise)\n');
    assertFails(select, 2, 'parley tier select: unknown tier "gold" (choose one of: free, pro, enterprise)\n');
  });

  it('key commands: a bad --type, a missing --project, no KEY_ID: exit 2', async () => {
    const [type, project, keyId] = await Promise.all([run('key', 'create', '--project', 'prj_x', '--type', 'root'), run('key', 'list'), run('key', 'revoke')]);
    assertFails(type, 2, 'parley key create: --type must be one of: server, api, app, livechat\n');
    assertFails(project, 2, 'parley key list: missing required flag --project\n');
    assertFails(keyId, 2, 'parley key revoke: usage: parley key revoke KEY_ID\n');
  });

  it('--database ftp://x: exit 1, naming the supported schemes', async () => {
    const [list, migrate] = await Promise.all([parley(['project', 'list', '--database', 'ftp://x']), parley(['migrate', '--database', 'ftp://x'])]);
    assertFails(list, 1, 'parley project list: unsupported database URL scheme in "ftp://…" (use sqlite:PATH or postgres://…)\n');
    assertFails(migrate, 1, 'parley migrate: unsupported database URL scheme');
  });

  it('a bad --port: exit 1 with the configuration problem', async () => {
    assertFails(await run('serve', '--port', 'eighty'), 1, '--port: expected an integer from 0 to 65535, got "eighty"');
  });
});

// --- the quick start: serve --bootstrap -------------------------------------------------------

const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/;

/** The three key lines of printCreatedProject. */
function parseKeyLines(stdout: string): { serverHeader: string; apiKey: string; appHeader: string } {
  const serverHeader = /^ {2}Server-Key header: (\S+)$/m.exec(stdout)?.[1];
  const apiKey = /^ {2}API-Key: +(\S+)$/m.exec(stdout)?.[1];
  const appHeader = /^ {2}App-Key header: +(\S+)$/m.exec(stdout)?.[1];
  assert.ok(serverHeader && apiKey && appHeader, `the three key lines are printed:\n${stdout}`);
  return { serverHeader, apiKey, appHeader };
}

/** A running `parley serve`, its output so far, and how it ended. */

function assertOk(res: { status: number; body: Envelope }, dataKeys: string[]): void {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body), ['status', 'error', 'data']);
  assert.equal(res.body.status, 200);
  assert.deepEqual(res.body.error, { code: '', message: '', field: '' });
  assert.deepEqual(Object.keys(res.body.data), dataKeys);
}

await eachDialect(describe, 'parley serve --bootstrap (quick start)', (dialect) => {
  let database: TestDatabase | undefined;
  let keys: { serverHeader: string; apiKey: string; appHeader: string } | undefined;
  let firstStdout = '';

  before(async () => {
    database = await createTestDatabase(dialect);
  });
  after(async () => {
    await killAll();
    await database?.drop();
  });

  const start = () => new Server(['--bootstrap', '--port', '0', '--database', (database as TestDatabase).url]);

  it('first start: creates "default", prints its keys once, serves the seed examples, exits 0 on SIGTERM', async () => {
    const server = start();
    const base = await server.listening();
    firstStdout = server.stdout;
    assert.ok(server.stdout.startsWith('First run: created the project "default".\n'), server.stdout);
    assert.match(server.stdout, /^Project default \(prj_[0-9a-z]{26}\), tier free$/m);
    keys = parseKeyLines(server.stdout);
    const [serverId, serverSecret] = Buffer.from(keys.serverHeader, 'base64').toString('utf8').split(':');
    assert.match(serverId as string, /^srv_[0-9a-z]{26}$/);
    assert.match(serverSecret as string, SECRET);
    assert.match(Buffer.from(keys.appHeader, 'base64').toString('utf8'), /^app_[0-9a-z]{26}:[A-Za-z0-9_-]{43}$/);
    splitApiKey(keys.apiKey);

    // PowerTalk: the server API with the printed Server-Key header.
    const ticket = await postJson(`${base}/v1/server/auth_ticket/request`, { 'server-key': keys.serverHeader }, POWERTALK_SEED_REQUEST);
    assertOk(ticket, ['userID', 'ticket']);
    assert.match(ticket.body.data.userID as string, /^[1-9][0-9]*$/);
    assert.match(ticket.body.data.ticket as string, JWT);

    // OneTalk: the integration API with the printed API-Key (default is on tier free).
    const synced = await postJson(`${base}/api/integration/v1/user/sync_contact`, { 'api-key': keys.apiKey }, ONETALK_SEED_REQUEST);
    assertOk(synced, ['success', 'message', 'userID']);
    assert.equal(synced.body.data.success, true);
    assert.equal(synced.body.data.message, 'Contact created successfully');
    assert.match(synced.body.data.userID as string, UUID_V4);
    const liveChat = await postJson(`${base}/api/integration/v1/user/request_auth_ticket`, { 'api-key': keys.apiKey }, ONETALK_SEED_REQUEST);
    assertOk(liveChat, ['success', 'message', 'userID', 'ticket']);
    assert.equal(liveChat.body.data.success, true);
    assert.equal(liveChat.body.data.message, 'Contact updated successfully');
    assert.equal(liveChat.body.data.userID, synced.body.data.userID);
    assert.match(liveChat.body.data.ticket as string, JWT);

    // A wrong key is refused, so the 200s above were really authenticated.
    const refused = await postJson(`${base}/v1/server/auth_ticket/request`, { 'server-key': keys.appHeader }, POWERTALK_SEED_REQUEST);
    assert.equal(refused.status, 491);

    const exit = await server.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, `stdout:\n${server.stdout}\nstderr:\n${server.stderr}`);
    assert.doesNotMatch(server.stderr, STACK_FRAME);
  });

  it('second start on the same database: no keys printed again, the first ones still work', async () => {
    assert.ok(keys, 'the first start printed keys');
    const server = start();
    const base = await server.listening();
    assert.ok(!server.stdout.includes('First run'), server.stdout);
    assert.ok(!/Server-Key|API-Key|App-Key|secret/.test(server.stdout), server.stdout);
    const firstSecrets = [...firstStdout.matchAll(/secret (\S+)\)/g)].map((m) => m[1] as string);
    assert.equal(firstSecrets.length, 2, 'the first start printed the server and app secrets');
    for (const value of [keys.serverHeader, keys.apiKey, keys.appHeader, ...firstSecrets]) assert.ok(!server.stdout.includes(value));

    const ticket = await postJson(`${base}/v1/server/auth_ticket/request`, { 'server-key': keys.serverHeader }, POWERTALK_SEED_REQUEST);
    assertOk(ticket, ['userID', 'ticket']);
    const synced = await postJson(`${base}/api/integration/v1/user/sync_contact`, { 'api-key': keys.apiKey }, ONETALK_SEED_REQUEST);
    assertOk(synced, ['success', 'message', 'userID']);
    assert.equal(synced.body.data.message, 'Contact updated successfully', 'the contact from the first run is still there');

    const exit = await server.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, `stdout:\n${server.stdout}\nstderr:\n${server.stderr}`);
    assert.ok(!server.stdout.includes(keys.apiKey), 'not printed at shutdown either');
    assert.doesNotMatch(server.stderr, STACK_FRAME);
  });

  it('a failing bootstrap: exit 1 at once with one line (nothing left open keeps the process alive)', async () => {
    const fresh = await createTestDatabase(dialect);
    try {
      assertSucceeds(await parley(['migrate', '--database', fresh.url]));
      const opened = await openDatabase(fresh.url, { migrate: false });
      try {
        // Refuse the project "default", so that ensureDefaultProject fails after the database is open.
        const refuse =
          dialect === 'sqlite'
            ? sql`create trigger no_default before insert on projects when new.name = 'default' begin select raise(abort, 'no default here'); end`
            : sql`alter table projects add constraint no_default check (name <> 'default')`;
        await refuse.execute(opened.db);
      } finally {
        await opened.close();
      }
      // An open PostgreSQL pool would hold the process for its 10 s idle timeout: give it 8.
      const res = await parley(['serve', '--bootstrap', '--port', '0', '--database', fresh.url], 8_000);
      assertFails(res, 1, /^parley serve: .*(no_default|no default here)/);
      assert.equal(res.stderr.split('\n').length, 2, `one line: ${res.stderr}`);
    } finally {
      await fresh.drop();
    }
  });

  it('a port already in use: exit 1 with one line, no stack trace', async () => {
    const first = start();
    const base = await first.listening();
    const port = new URL(base).port;
    const second = await parley(['serve', '--port', port, '--database', (database as TestDatabase).url]);
    assertExit(second, 1);
    assert.match(second.stderr, new RegExp(`^parley serve: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port}\\n$`));
    assert.deepEqual(await first.stop(), { code: 0, signal: null });
  });
});
