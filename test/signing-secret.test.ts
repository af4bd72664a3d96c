// Issue #9, defect 11: a copy of the database was enough to mint tokens (the signing secret sat in the
// `settings` table), and a token for one's own session naming another user was accepted. Now the
// secret lives outside the database, the database keeps a fingerprint only, and a session
// authenticates its own subject and kind only.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createDeps } from '../src/compose.ts';
import { createLogger } from '../src/logging.ts';
import { openDatabase } from '../src/storage/database.ts';
import { createTokenSigner } from '../src/tokens.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { type ChatUser, clientCall, loginUser } from './support/chat.ts';
import { createTestDatabase, eachDialect } from './support/databases.ts';

/** The claims of a JWT, unverified. */
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;

/** An access token for `user`'s own session, signed with `secret` and naming `sub`. */
function forge(secret: string, user: ChatUser, sub: string): string {
  const c = claimsOf(user.accessToken);
  const signer = createTokenSigner({ current: secret, accepted: [] });
  return signer.sign({ pur: 'access', sub, pid: c.pid as string, sid: c.sid as string, gen: c.gen as number, now: Date.now(), ttlSeconds: 3600 }).token;
}

const asUser = (t: TestApp, user: ChatUser, accessToken: string) => clientCall(t, { ...user, accessToken }, '/v1/chat/message/room_list_and_unread');

await eachDialect(describe, 'signing secret and session subjects', (dialect) => {
  const SECRET = 's'.repeat(40);
  let t: TestApp;
  let alice: ChatUser;
  let bob: ChatUser;

  before(async () => {
    t = await createTestApp(dialect, { PARLEY_TICKET_SECRET: SECRET });
    alice = await loginUser(t, 'Alice');
    bob = await loginUser(t, 'Bob');
  });
  after(() => t.close());

  it("refuses a token for one's own session that names another user, even signed with the real secret", async () => {
    assert.equal((await asUser(t, alice, forge(SECRET, alice, alice.userID))).status, 200, 'the forging itself is right');
    const res = await asUser(t, alice, forge(SECRET, alice, bob.userID));
    assert.equal(res.status, 401);
    assert.equal(res.error.code, '40103');
  });
});

await eachDialect(describe, 'signing secret: a copy of the database', (dialect) => {
  let t: TestApp;
  let alice: ChatUser;

  // The default configuration: no PARLEY_TICKET_SECRET.
  before(async () => {
    t = await createTestApp(dialect);
    alice = await loginUser(t, 'Alice');
  });
  after(() => t.close());

  it('holds nothing that signs a token the server accepts', async () => {
    const rows = await t.deps.db.selectFrom('settings').selectAll().execute();
    assert.ok(rows.length > 0, 'the fingerprint is there');
    for (const { name, value } of rows) {
      const res = await asUser(t, alice, forge(value, alice, alice.userID));
      assert.equal(res.error.code, '40103', `a token signed with settings.${name} is refused`);
    }
  });
});

describe('signing secret: file, upgrade, mismatch and rotation [sqlite]', () => {
  let dir: string;
  let url: string;
  const open = (env: Record<string, string> = {}) => createDeps(loadConfig({ PARLEY_DATABASE_URL: url, ...env }), { logger: createLogger('silent') });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-secret-'));
    url = `sqlite:${join(dir, 'parley.db')}`;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('moves a secret an older version kept in the database into an owner-only file; its tokens stay valid', async () => {
    const legacy = 'L'.repeat(43);
    const old = await openDatabase(url);
    await old.db.insertInto('settings').values({ name: 'ticket_signing_secret', value: legacy }).execute();
    await old.close();
    const deps = await open();
    try {
      const token = createTokenSigner({ current: legacy, accepted: [] }).sign({
        pur: 'auth_ticket',
        sub: '1',
        pid: 'prj_x',
        now: Date.now(),
        ttlSeconds: 60,
      }).token;
      assert.equal(deps.signer.verify(token)?.sub, '1', 'a token of the old secret still verifies');
      assert.equal((await deps.db.selectFrom('settings').selectAll().where('name', '=', 'ticket_signing_secret').execute()).length, 0);
      assert.equal(statSync(join(dir, 'parley.secret')).mode & 0o777, 0o600);
    } finally {
      await deps.close();
    }
  });

  it('refuses to start with a secret that is not the database’s, with one clear message', async () => {
    await assert.rejects(open({ PARLEY_TICKET_SECRET: 'x'.repeat(40) }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /PARLEY_TICKET_SECRET: this node's signing secret is not the one this database was set up with/);
      return true;
    });
  });

  it('rotates: the new secret signs, tokens of the old one are still accepted, then the old one can go', async () => {
    const legacy = 'L'.repeat(43);
    const fresh = 'N'.repeat(43);
    const oldToken = createTokenSigner({ current: legacy, accepted: [] }).sign({
      pur: 'auth_ticket',
      sub: '7',
      pid: 'prj_x',
      now: Date.now(),
      ttlSeconds: 60,
    }).token;
    const during = await open({ PARLEY_TICKET_SECRET: fresh, PARLEY_TICKET_SECRET_ACCEPTED: legacy });
    try {
      assert.equal(during.signer.verify(oldToken)?.sub, '7');
      const newToken = during.signer.sign({ pur: 'auth_ticket', sub: '8', pid: 'prj_x', now: Date.now(), ttlSeconds: 60 }).token;
      assert.equal(createTokenSigner({ current: fresh, accepted: [] }).verify(newToken)?.sub, '8', 'signed with the new secret');
    } finally {
      await during.close();
    }
    const afterwards = await open({ PARLEY_TICKET_SECRET: fresh });
    try {
      assert.equal(afterwards.signer.verify(oldToken), undefined, 'the old secret is no longer accepted');
    } finally {
      await afterwards.close();
    }
  });
});

describe('signing secret: two PostgreSQL nodes', () => {
  it('a second node with another secret file refuses to start', async (ctx) => {
    const database = await createTestDatabase('postgres').catch((err: Error) => {
      if (process.env.CI === 'true') throw err;
      ctx.skip(`PostgreSQL unreachable: ${err.message}`);
    });
    if (database === undefined) return;
    const dirs = [mkdtempSync(join(tmpdir(), 'parley-node-a-')), mkdtempSync(join(tmpdir(), 'parley-node-b-'))];
    const node = (d: string) =>
      createDeps(loadConfig({ PARLEY_DATABASE_URL: database.url, PARLEY_TICKET_SECRET_FILE: join(d, 'parley.secret') }), { logger: createLogger('silent') });
    try {
      const a = await node(dirs[0] as string);
      await a.close();
      await assert.rejects(node(dirs[1] as string), /parley-node-b-.*parley\.secret\) is not the one this database was set up with/);
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      await database.drop();
    }
  });
});
