// The floor of the HTTP targets on this machine (docs/performance.md, "The floor"):
//   node --import tsx bench/floor.ts
// 1. The probe: the bare node:http baseline doing N µs of busy work per request before it answers,
//    driven as the bench drives every server (wrk -t2 -c64 on the generator CPU, the ticket script):
//    what a server with that much of its own work per request measures against node:http here.
// 2. The least work the contract asks of each request, step by step, measured in this process on one
//    core: the token signatures and hashes, and a redemption's and a refresh's SQLite statements as
//    Parley runs them (its own repository functions, 64 calls sharing each group commit).
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { advanceSession, findRefreshToken, insertRefreshToken, useRefreshToken } from '../src/repos/sessions.ts';
import { findUserById } from '../src/repos/users.ts';
import { createTokenSigner } from '../src/tokens.ts';
import { createTestApp, post } from '../test/support/app.ts';
import { SERVER_CPU } from './phase.ts';
import { PinnedProcess, freePort } from './processes.ts';
import { redemptionStatements } from './redemption-statements.ts';
import { Wrk, requestsPerSecond } from './wrk.ts';

const ROOT = join(import.meta.dirname, '..');
const WORK_US = [0, 10, 20, 40, 80, 120];
const TICKET_BYTES = 399;

async function probe(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'parley-floor-'));
  const wrk = new Wrk(tmp, { threads: 2, connections: 64, cpu: 1 });
  console.log('| own work per request | req/s | × node:http | µs per request |\n| --- | --- | --- | --- |');
  let bare = 0;
  try {
    for (const work of WORK_US) {
      const port = await freePort();
      const server = await PinnedProcess.start({
        name: `node:http + ${work} µs`,
        cpu: SERVER_CPU,
        cwd: ROOT,
        command: 'node',
        args: ['--import', 'tsx', 'bench/baseline-server.ts', 'http', String(port), String(TICKET_BYTES), String(work)],
        port,
        readyPath: '/',
      });
      try {
        const args = { key: 'floor', path: '/v1/server/auth_ticket/request', mode: 'existing', xc: '6' };
        await wrk.run(server.url, 'ticket', 2, args);
        const rps = requestsPerSecond(await wrk.run(server.url, 'ticket', 5, args));
        if (work === 0) bare = rps;
        console.log(`| ${work} µs | ${Math.round(rps).toLocaleString('en-US')} | ${(rps / bare).toFixed(2)}× | ${(1e6 / rps).toFixed(1)} |`);
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function time(label: string, n: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < n / 10; i++) fn(i);
  const started = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  console.log(`| ${label} | ${(((performance.now() - started) * 1000) / n).toFixed(1)} |`);
}

async function timeAsync(label: string, rounds: number, batch: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let i = 0;
  const round = () => Promise.all(Array.from({ length: batch }, () => fn(i++)));
  for (let r = 0; r < rounds / 10; r++) await round();
  const started = performance.now();
  for (let r = 0; r < rounds; r++) await round();
  console.log(`| ${label} | ${(((performance.now() - started) * 1000) / (rounds * batch)).toFixed(1)} |`);
}

async function steps(): Promise<void> {
  console.log('\n| step (one core, in process) | µs |\n| --- | --- |');
  const signer = createTokenSigner({ current: randomBytes(32).toString('base64url'), accepted: [] });
  const now = Date.now();
  time('HS256 signature of a token', 100_000, (i) => signer.sign({ pur: 'access', sub: String(i), pid: 'project', now, ttlSeconds: 3600 }));
  const tokens = Array.from({ length: 100_000 }, (_, i) => signer.sign({ pur: 'auth_ticket', sub: String(i), pid: 'project', now, ttlSeconds: 3600 }).token);
  time('HS256 verification of a token not seen before', 90_000, (i) => signer.verify(tokens[i] as string));
  time('SHA-256 of a secret (key or refresh token)', 200_000, () => createHash('sha256').update('s'.repeat(43)).digest());
  time('32 random bytes (a refresh token secret)', 200_000, () => randomBytes(32));

  const t = await createTestApp('sqlite');
  try {
    const ticket = await post<{ userID: string }>(
      t.app,
      '/v1/server/auth_ticket/request',
      { 'server-key': t.project.serverKey.header },
      { xcUserID: 'floor', fullName: 'Floor', userIPAddress: '10.0.0.1', userAgent: 'floor', userPlatform: 'web', userDeviceID: 'd' },
    );
    const userId = Number(ticket.body.data.userID);
    const projectId = t.project.projectID;
    // The statements of services/redemption.ts and services/sessions.ts on SQLite, in their order (bench/redemption-statements.ts).
    await timeAsync(
      "a redemption's four statements: ticket recorded, login time with the user and watermarks, session, refresh token (group commit of 64)",
      200,
      64,
      (i) =>
        t.deps.writes.run((trx) =>
          redemptionStatements(trx, { jti: `floor-${i}`, projectId, userId, sessionId: `s-${i}`, refreshTokenId: `r-${i}`, secretHash: 'h'.repeat(43), now }),
        ),
    );
    await timeAsync("a refresh's five statements: token read and used, session advanced, user read, next token (group commit of 64)", 200, 64, (i) =>
      t.deps.writes.run(async (trx) => {
        await findRefreshToken(trx, `r-${i}`);
        await useRefreshToken(trx, `r-${i}`, now);
        await advanceSession(trx, `s-${i}`, now);
        await findUserById(trx, projectId, userId);
        await insertRefreshToken(trx, { id: `r2-${i}`, sessionId: `s-${i}`, secretHash: 'h'.repeat(43), now, expiresAt: now + 86_400_000 });
      }),
    );
  } finally {
    await t.close();
  }
}

execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
await probe();
execFileSync('taskset', ['-a', '-p', '-c', String(SERVER_CPU), String(process.pid)], { stdio: 'ignore' });
await steps();
