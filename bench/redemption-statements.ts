// A SQLite redemption's four statements, as services/redemption.ts and services/sessions.ts run them and
// in their order, for the in-process probes (bench/floor.ts, bench/redemption-writes.ts).
import type { Transaction } from 'kysely';
import { insertRefreshToken, insertSession } from '../src/repos/sessions.ts';
import { recordRedemption } from '../src/repos/tickets.ts';
import { loginUser } from '../src/repos/users.ts';
import type { DB } from '../src/storage/schema.ts';

export interface Redemption {
  jti: string;
  projectId: string;
  userId: number;
  sessionId: string;
  refreshTokenId: string;
  secretHash: string;
  now: number;
}

/** Ticket recorded, login time with the user and watermarks, session, refresh token. */
export async function redemptionStatements(trx: Transaction<DB>, r: Redemption): Promise<void> {
  const { projectId, now } = r;
  const subject = String(r.userId);
  const ticket = { jti: r.jti, project_id: projectId, kind: 'powertalk' as const, subject, issued_at: now, expires_at: now + 3_600_000, redeemed_at: null };
  await recordRedemption(trx, ticket, now);
  await loginUser(trx, projectId, r.userId, now);
  await insertSession(trx, { id: r.sessionId, projectId, kind: 'powertalk', subject, deviceId: 'd', platform: 'web', now });
  await insertRefreshToken(trx, { id: r.refreshTokenId, sessionId: r.sessionId, secretHash: r.secretHash, now, expiresAt: now + 86_400_000 });
}
