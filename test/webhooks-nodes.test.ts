// Webhooks across two `parley serve` processes on PostgreSQL (issue #12): one node is killed with
// deliveries in flight; the other takes its claims over once they expire, and the receiver gets every
// message of the conversation, each once after dropping repeats by webhook-id, in order per room.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { createTestDatabase, dialectAvailable } from './support/databases.ts';
import { WebhookReceiver } from './support/webhook-receiver.ts';
import { createProject, ensureBuilt, killAll, startServer } from './torture/support.ts';

const BIN = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'parley.js');
const ROOMS = 3;
const PER_ROOM = 15;

after(killAll);

describe('webhooks across two nodes, one killed mid-delivery', { skip: (await dialectAvailable('postgres')) ? false : 'PostgreSQL unreachable' }, () => {
  it('delivers every message once after de-duplication, in order per room, with valid signatures', async () => {
    await ensureBuilt();
    const database = await createTestDatabase('postgres');
    const receiver = await WebhookReceiver.start();
    try {
      const env = {
        PARLEY_REDIS_URL: 'redis://127.0.0.1:6379',
        PARLEY_REDIS_PREFIX: `parley-wh-${randomBytes(4).toString('hex')}:`,
        PARLEY_WEBHOOK_ALLOW_PRIVATE: 'true',
        PARLEY_WEBHOOK_TIMEOUT: '1000',
        PARLEY_WEBHOOK_RETRY_FIRST: '100',
        PARLEY_WEBHOOK_RETRY_MAX: '500',
        PARLEY_RATE_LIMIT: '0',
      };
      const project = await createProject(database.url);
      const [a, b] = [await startServer(database.url, env), await startServer(database.url, env)];
      const server = { 'content-type': 'application/json', 'server-key': project.serverKey.header };
      const post = async (node: typeof a, path: string, body: unknown) => {
        const res = await fetch(new URL(path, node.url), { method: 'POST', headers: server, body: JSON.stringify(body) });
        return (await res.json()) as { status: number; data: Record<string, string> };
      };
      for (const xc of ['sender', ...Array.from({ length: ROOMS }, (_, i) => `peer-${i}`)]) {
        assert.equal((await post(a, '/v1/server/user/update', { xcUserID: xc, fullName: xc })).status, 200);
      }
      // The operator's CLI, sharing Redis: both nodes hear of the new endpoint at once.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [BIN, 'webhook', 'create', '--project', project.projectID, '--url', receiver.url, '--events', 'message.sent', '--json', '--database', database.url],
        { env: { ...process.env, ...env } },
      );
      receiver.secret = (JSON.parse(stdout) as { secret: string }).secret;
      // A slow receiver keeps deliveries in flight when the node dies.
      receiver.behaviour = () => ({ status: 200, delayMs: 40 });
      const sent: string[] = [];
      for (let i = 0; i < PER_ROOM; i++) {
        for (let r = 0; r < ROOMS; r++) {
          const text = `room ${r} message ${i}`;
          const res = await post(a, '/v1/server/message/send/custom', {
            senderXCUserID: 'sender',
            recipientXCUserID: `peer-${r}`,
            messageType: 1001,
            body: text,
          });
          assert.equal(res.status, 200);
          sent.push(text);
        }
      }
      // Kill the node that wrote them while it is delivering.
      await receiver.until((r) => r.length >= 5, 30_000);
      a.child.kill('SIGKILL');
      await a.exited;
      const unique = () => [...new Map(receiver.received.map((r) => [r.id, r])).values()];
      await receiver.until(() => unique().length >= sent.length, 60_000);
      const got = unique();
      assert.deepEqual(got.map((r) => r.json.body).sort(), [...sent].sort(), 'every message once');
      for (const r of got) assert.ok(r.valid, 'signed with the endpoint secret');
      for (let room = 0; room < ROOMS; room++) {
        const order = got.map((r) => String(r.json.body)).filter((body) => body.startsWith(`room ${room} `));
        assert.deepEqual(
          order,
          sent.filter((body) => body.startsWith(`room ${room} `)),
          `room ${room} in order`,
        );
      }
      assert.deepEqual(b.problems, []);
    } finally {
      await receiver.close();
      await killAll();
      await database.drop();
    }
  });
});
