// What a SQLite redemption's four statements cost in process, and how many bytes they make the
// process write (the WAL and the checkpoints copying it: /proc/self/io's wchar), as the tickets'
// ids are random (v4 UUIDs, as before 2026-12-05) or time-ordered (v7, as signed now). A fresh
// database for each kind, alternating; `users` users redeem in creation order (as the bench's ticket
// pool does) or at random (as a morning of logins does).
//
//   node --import tsx bench/redemption-writes.ts [--users 200000] [--rounds 5] [--order sequential|random] [--repeat 2]
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { newId, uuidV7 } from '../src/credentials.ts';
import { createTestApp, post } from '../test/support/app.ts';
import { redemptionStatements } from './redemption-statements.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    order: { type: 'string', default: 'sequential' },
    repeat: { type: 'string', default: '2' },
  },
});
const USERS = Number(values.users);
const ROUNDS = Number(values.rounds);
const PER_ROUND = 20_000;
/** Redemptions sharing one commit (deps.writes), about what a loaded server's turn gathers. */
const BATCH = 16;

const written = () => Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1]);

async function measure(jti: (now: number) => string): Promise<string[]> {
  const t = await createTestApp('sqlite');
  try {
    const headers = { 'server-key': t.project.serverKey.header };
    const body = { xcUserID: 'u0', fullName: 'User Zero', userIPAddress: '10.0.0.1', userAgent: 'bench', userPlatform: 'web', userDeviceID: 'd' };
    const first = Number((await post<{ userID: string }>(t.app, '/v1/server/auth_ticket/request', headers, body)).body.data.userID);
    // Copies of the first user, with their own ids and names.
    const columns = (await sql<{ name: string }>`PRAGMA table_info(users)`.execute(t.deps.db)).rows.map((r) => r.name);
    const copied = columns.map((c) => ({ id: 'NULL', xc_user_id: "'u' || n", username: "'user' || n" })[c] ?? c);
    await sql
      .raw(
        `WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${USERS}) ` +
          `INSERT INTO users (${columns.join(', ')}) SELECT ${copied.join(', ')} FROM s, users WHERE users.id = ${first}`,
      )
      .execute(t.deps.db);
    const ids = (await sql<{ id: number }>`SELECT id FROM users ORDER BY id`.execute(t.deps.db)).rows.map((r) => r.id);
    const projectId = t.project.projectID;
    let next = 0;
    const redeem = () =>
      t.deps.writes.run((trx) => {
        const now = Date.now();
        const userId = ids[values.order === 'random' ? Math.floor(Math.random() * ids.length) : next++ % ids.length] as number;
        const secretHash = createHash('sha256').update(randomBytes(32)).digest('base64url');
        return redemptionStatements(trx, {
          jti: jti(now),
          projectId,
          userId,
          sessionId: newId('session'),
          refreshTokenId: newId('refreshToken'),
          secretHash,
          now,
        });
      });
    const rounds: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const bytes = written();
      const cpu = process.cpuUsage();
      for (let i = 0; i < PER_ROUND; i += BATCH) await Promise.all(Array.from({ length: BATCH }, redeem));
      const used = process.cpuUsage(cpu);
      rounds.push(`${((used.user + used.system) / PER_ROUND).toFixed(1)} µs, ${((written() - bytes) / PER_ROUND / 1024).toFixed(1)} KB`);
    }
    return rounds;
  } finally {
    await t.close();
  }
}

console.log(
  `${USERS.toLocaleString('en')} users redeeming in ${values.order} order, ${BATCH} a commit; rounds of ${PER_ROUND.toLocaleString('en')} (CPU of the process, its threads included, and bytes written, a redemption)\n`,
);
console.log('| ticket ids | rounds (µs of CPU, KB written) |\n| --- | --- |');
for (let r = 0; r < Number(values.repeat); r++) {
  console.log(`| v4 (random) | ${(await measure(() => randomUUID())).join('; ')} |`);
  console.log(`| v7 (time-ordered) | ${(await measure(uuidV7)).join('; ')} |`);
}
