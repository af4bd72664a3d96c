// The Live Chat commands of `parley` (issue #13), run in this process on each database: the launcher's
// key, topics, agents (password from standard input, kept only as a scrypt hash) and settings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main } from '../src/cli/main.ts';
import { listAgents } from '../src/repos/livechat.ts';
import { passwordMatches } from '../src/security/passwords.ts';
import { getSettings, listTopics } from '../src/services/livechat-setup.ts';
import { type TestApp, createTestApp, post } from './support/app.ts';
import { eachDialect } from './support/databases.ts';

await eachDialect(describe, 'parley Live Chat commands', (dialect) => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp(dialect);
  });
  after(() => t.close());

  /** Runs `parley …` with `--database`, standard input `input`; the exit code and each stream's lines. */
  async function parley(args: string[], input = '') {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line), input: async () => input };
    const code = await main([...args, '--database', t.databaseUrl], {}, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  const project = () => t.project.projectID;

  it('key create --type livechat: a Secret-Key, shown once, that the visitor API takes', async () => {
    const res = await parley(['key', 'create', '--project', project(), '--type', 'livechat', '--json']);
    assert.equal(res.code, 0, res.err);
    const key = JSON.parse(res.out) as { id: string; secretKey: string; header: string };
    assert.match(key.id, /^app_/);
    const configs = await post<{ tapTalk: { appKeyID: string } }>(t.app, '/api/visitor/v1/client/project/get_configs', { 'secret-key': key.secretKey }, '');
    assert.equal(configs.body.data.tapTalk.appKeyID, key.id);
    const plain = await parley(['key', 'create', '--project', project(), '--type', 'livechat']);
    assert.match(plain.out, /^Live Chat Secret-Key \(shown only now\): [A-Za-z0-9_-]{43}\n/);
  });

  it('topic create: by project id or name, --json or one line; a name is required', async () => {
    const json = await parley(['topic', 'create', '--project', project(), '--name', 'Billing', '--json']);
    assert.equal(json.code, 0, json.err);
    const topic = JSON.parse(json.out) as { id: number; name: string; projectID: string };
    assert.deepEqual([topic.name, topic.projectID], ['Billing', project()]);
    const line = await parley(['topic', 'create', '--project', project(), '--name', '  Delivery ']);
    assert.match(line.out, /^Topic \d+: Delivery$/);
    assert.deepEqual(
      (await listTopics(t.deps, project())).map((x) => x.name),
      ['Billing', 'Delivery'],
    );
    const missing = await parley(['topic', 'create', '--project', project()]);
    assert.deepEqual([missing.code, missing.err], [2, 'parley topic create: missing required flag --name']);
    const long = await parley(['topic', 'create', '--project', project(), '--name', 'x'.repeat(101)]);
    assert.deepEqual([long.code, long.err], [1, 'parley topic create: the topic name must be between 1 and 100 characters']);
    const nowhere = await parley(['topic', 'create', '--project', 'prj_nope', '--name', 'X']);
    assert.equal(nowhere.code, 1);
  });

  it('agent create: the password from stdin, stored only as a scrypt hash; a chat user of the project; refusals', async () => {
    const [billing] = await listTopics(t.deps, project());
    const res = await parley(
      ['agent', 'create', '--project', project(), '--email', 'Ann@Example.com', '--name', 'Ann', '--topics', String(billing?.id), '--json'],
      'a long passphrase\n',
    );
    assert.equal(res.code, 0, res.err);
    const agent = JSON.parse(res.out) as { id: number; email: string; topicIDs: number[]; userID: string };
    assert.deepEqual([agent.email, agent.topicIDs], ['ann@example.com', [billing?.id]]);
    assert.ok(!res.out.includes('a long passphrase'));
    const row = await t.deps.db.selectFrom('livechat_agents').select(['password_hash', 'user_id']).where('id', '=', agent.id).executeTakeFirstOrThrow();
    assert.match(row.password_hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(await passwordMatches('a long passphrase', row.password_hash), true);
    assert.equal(await passwordMatches('a long passphrasf', row.password_hash), false);
    assert.equal(String(row.user_id), agent.userID);
    assert.equal((await listAgents(t.deps.db, project())).length, 1);

    const again = await parley(['agent', 'create', '--project', project(), '--email', 'ann@example.com', '--name', 'Ann 2'], 'another passphrase\n');
    assert.deepEqual([again.code, again.err], [1, 'parley agent create: an agent with the email ann@example.com exists']);
    const short = await parley(['agent', 'create', '--project', project(), '--email', 'bo@example.com', '--name', 'Bo'], 'short\n');
    assert.deepEqual([short.code, short.err], [1, 'parley agent create: the password must be between 8 and 1024 characters']);
    const none = await parley(['agent', 'create', '--project', project(), '--email', 'bo@example.com', '--name', 'Bo']);
    assert.equal(none.code, 2);
    assert.match(none.err, /give the password on standard input/);
    const badTopic = await parley(
      ['agent', 'create', '--project', project(), '--email', 'bo@example.com', '--name', 'Bo', '--topics', '999999'],
      'long enough pass\n',
    );
    assert.deepEqual([badTopic.code, badTopic.err], [1, 'parley agent create: no topic 999999 in this project']);
    const badEmail = await parley(['agent', 'create', '--project', project(), '--email', 'bo', '--name', 'Bo'], 'long enough pass\n');
    assert.deepEqual([badEmail.code, badEmail.err], [1, 'parley agent create: the email is not a valid email address']);
    assert.equal((await listAgents(t.deps.db, project())).length, 1, 'no refusal wrote anything');
  });

  it('livechat settings: shows, then changes only what is given; bad values refused', async () => {
    const shown = await parley(['livechat', 'settings', '--project', project(), '--json']);
    assert.deepEqual(JSON.parse(shown.out), { hexColor: '#2C7CFF', maxOpenCases: 0 });
    const colour = await parley(['livechat', 'settings', '--project', project(), '--colour', '#ff8800']);
    assert.equal(colour.out, 'Launcher colour #ff8800; most open cases per visitor: unlimited');
    const max = await parley(['livechat', 'settings', '--project', project(), '--max-open-cases', '2', '--json']);
    assert.deepEqual(JSON.parse(max.out), { hexColor: '#ff8800', maxOpenCases: 2 });
    assert.deepEqual(await getSettings(t.deps, project()), { hexColor: '#ff8800', maxOpenCases: 2 });
    assert.deepEqual(
      (await parley(['livechat', 'settings', '--project', project(), '--colour', 'orange'])).err,
      'parley livechat settings: the colour must be #RRGGBB',
    );
    assert.equal((await parley(['livechat', 'settings', '--project', project(), '--max-open-cases', '-1'])).code, 2);
  });

  it('--help: each command’s usage', async () => {
    for (const command of [
      ['topic', 'create'],
      ['agent', 'create'],
      ['livechat', 'settings'],
    ]) {
      const res = await parley([...command, '--help']);
      assert.equal(res.code, 0);
      assert.match(res.out, new RegExp(`^Usage: parley ${command.join(' ')} …\\n\\n  ${command.join(' ')} --project P`));
    }
  });
});
