// Issue #9, defect 10: revoking an App-Key left the sockets opened with it chatting. A revocation now
// reaches open sockets: at once through the invalidation note, and within seconds when it was made by
// another process that shares no broker (an operator's `parley key revoke`).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { revokeKey } from '../src/services/projects.ts';
import { type TestApp, createTestApp } from './support/app.ts';
import { ChatSocket, listen, loginUser, socketUrl } from './support/chat.ts';
import { eachDialect } from './support/databases.ts';
import { ensureBuilt } from './torture/support.ts';

const BIN = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'parley.js');

/** Resolves with the close code once the server closes the socket; fails if it stays open 20 s. */
const closed = (ws: ChatSocket) =>
  new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the socket stayed open')), 20_000);
    ws.ws.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });

await eachDialect(describe, 'App-Key revocation reaches open sockets', (dialect) => {
  let t: TestApp;
  let base: string;

  before(async () => {
    await ensureBuilt();
    t = await createTestApp(dialect);
    base = await listen(t);
  });
  after(() => t.close());

  /** A user of a fresh project, with a socket open on that project's App-Key. */
  async function openSocket() {
    const project = await t.newProject();
    const previous = t.project;
    t.project = project;
    try {
      const user = await loginUser(t, 'Someone');
      return { project, ws: await ChatSocket.open(socketUrl(base, project.appKey.header, user.accessToken)) };
    } finally {
      t.project = previous;
    }
  }

  it('closes the sockets of a key revoked on this node at once', async () => {
    const { project, ws } = await openSocket();
    const other = await openSocket();
    const code = closed(ws);
    await revokeKey(t.deps, project.appKey.id);
    assert.equal(await code, 4001);
    assert.equal(other.ws.ws.readyState, other.ws.ws.OPEN, 'a socket of another key stays open');
    await other.ws.close();
  });

  it('closes them when another process revokes the key, without any broker between them', async () => {
    const { project, ws } = await openSocket();
    // The sweep checks every open socket's key: another key's socket is checked and left open.
    const other = await openSocket();
    const code = closed(ws);
    await promisify(execFile)(process.execPath, [BIN, 'key', 'revoke', project.appKey.id, '--database', t.databaseUrl]);
    assert.equal(await code, 4001);
    await assert.rejects(ChatSocket.open(socketUrl(base, project.appKey.header, 'x')), /upgrade refused: 491/);
    assert.equal(other.ws.ws.readyState, other.ws.ws.OPEN, 'a socket of another key stays open');
    await other.ws.close();
  });
});
