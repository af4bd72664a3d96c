// `parley chat`: two of them against a real `parley serve`, on each database, as an operator runs
// them (child processes, lines on stdin, messages on stdout).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { STACK_FRAME, Server, assertFails, killAll, parley, spawnParley } from './support/cli.ts';
import { type TestDatabase, createTestDatabase, eachDialect } from './support/databases.ts';

const WAIT_MS = 30_000;

/** A running `parley chat`: its output so far, a way to type, and its end. */
class Chat {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[]) {
    this.child = spawnParley(['chat', ...args], { stdin: true });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  type(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Waits until `stream` matches `pattern` (or fails with both streams after WAIT_MS). */
  async waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const match = pattern.exec(this[stream]);
      if (match) return match;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no ${pattern} on ${stream} (exit ${this.child.exitCode})\n--- stdout\n${this.stdout}--- stderr\n${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

await eachDialect(describe, 'parley chat', (dialect) => {
  let database: TestDatabase | undefined;
  let server: Server | undefined;
  let base = '';
  const args = (...more: string[]) => ['--url', base, '--database', (database as TestDatabase).url, ...more];

  before(async () => {
    database = await createTestDatabase(dialect);
    server = new Server(['--bootstrap', '--port', '0', '--database', database.url]);
    base = await server.listening();
  });
  after(async () => {
    await server?.stop();
    await killAll();
    await database?.drop();
  });

  it('two people chat: each prints what the other types; end of input and Ctrl-C end them with exit 0', async () => {
    // Alice starts first: Bob has never signed in, so his room is looked up again when she writes.
    const alice = new Chat(args('--project', 'default', '--user', 'alice', '--name', 'Alice', '--to', 'bob'));
    await alice.waitFor('stderr', /connected as alice \(user \d+\)/);
    assert.match(alice.stderr, /bob: .*they can be written to once they have signed in/);
    const bob = new Chat(args('--project', 'DEFAULT', '--user', 'bob', '--to', 'alice', '--json'));
    await bob.waitFor('stderr', /connected as bob \(user \d+\) to room \d+-\d+/);

    bob.type('Hello Alice 👋');
    await alice.waitFor('stdout', /^bob: Hello Alice 👋$/m);
    alice.type('Hi Bob, line two');
    alice.type('   ');
    alice.type('and three');
    const printed = await bob.waitFor('stdout', /^\{.*"text":"and three".*\}$/m);
    const lines = bob.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, `one JSON object a line, blank lines not sent:\n${bob.stdout}`);
    const first = JSON.parse(lines[0] as string);
    assert.deepEqual(Object.keys(first), ['roomID', 'messageID', 'localID', 'type', 'sender', 'text', 'created']);
    assert.equal(first.text, 'Hi Bob, line two');
    assert.equal(first.type, 1001);
    assert.deepEqual([first.sender.xcUserID, first.sender.fullname], ['alice', 'Alice']);
    assert.match(first.roomID, /^\d+-\d+$/);
    assert.match(first.messageID, /^[1-9]\d*$/);
    assert.equal(JSON.parse(printed[0]).roomID, first.roomID);
    assert.equal(alice.stdout, 'bob: Hello Alice 👋\n', 'her own messages are not printed back');

    // End of input: what was typed is sent and confirmed first.
    alice.type('bye');
    alice.child.stdin?.end();
    assert.deepEqual(await alice.exited, { code: 0, signal: null }, alice.stderr);
    await bob.waitFor('stdout', /"text":"bye"/);
    bob.child.kill('SIGINT');
    assert.deepEqual(await bob.exited, { code: 0, signal: null }, bob.stderr);
    for (const chat of [alice, bob]) assert.doesNotMatch(chat.stderr, STACK_FRAME);
  });

  it('a piped line is sent before it exits; --room writes to a room by id', async () => {
    const listener = new Chat(args('--project', 'default', '--user', 'bob', '--to', 'alice'));
    const [, room] = await listener.waitFor('stderr', /to room (\d+-\d+)/);
    const writer = new Chat(args('--project', 'default', '--user', 'alice', '--room', room as string));
    writer.child.stdin?.end('one shot\n');
    assert.deepEqual(await writer.exited, { code: 0, signal: null }, writer.stderr);
    await listener.waitFor('stdout', /^alice: one shot$/m);
    listener.child.stdin?.end();
    assert.deepEqual(await listener.exited, { code: 0, signal: null });
  });

  it('fails with one line: an unknown project, no target, a server not there, a room one is not in', async () => {
    const [project, target, both] = await Promise.all([
      parley(['chat', ...args('--project', 'nope', '--user', 'alice', '--to', 'bob')]),
      parley(['chat', ...args('--project', 'default', '--user', 'alice')]),
      parley(['chat', ...args('--project', 'default', '--user', 'alice', '--to', 'bob', '--room', '1-2')]),
    ]);
    assertFails(project, 1, 'parley chat: no project with id or name "nope"');
    assertFails(target, 2, 'parley chat: give one of --to XC_USER_ID or --room ROOM_ID\n');
    assertFails(both, 2, 'give one of --to');
    const away = await parley([
      'chat',
      '--url',
      'http://127.0.0.1:9',
      '--database',
      (database as TestDatabase).url,
      '--project',
      'default',
      '--user',
      'alice',
      '--to',
      'bob',
    ]);
    assertFails(away, 1, /^parley chat: cannot reach http:\/\/127\.0\.0\.1:9: /);

    const stranger = new Chat(args('--project', 'default', '--user', 'carol', '--room', '999999-1000000'));
    await stranger.waitFor('stderr', /connected as carol/);
    stranger.child.stdin?.end('let me in\n');
    await stranger.waitFor('stderr', /not sent: .*\(40\d\d\d/);
    assert.equal((await stranger.exited).code, 1, 'not every line was sent');
    assert.match(stranger.stderr, /1 message\(s\) not sent/);
    assert.doesNotMatch(stranger.stderr, STACK_FRAME);
  });
});
