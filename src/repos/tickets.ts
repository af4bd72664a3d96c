import type { Insertable, Kysely } from 'kysely';
import type { DB, TicketKind, TicketTable } from '../storage/schema.ts';
import type { TokenClaims } from '../tokens.ts';

export type TicketRow = Insertable<TicketTable>;

/** The row that records a ticket's redemption (docs/performance.md: issuing a ticket writes nothing). */
export function ticketRow(kind: TicketKind, claims: TokenClaims): TicketRow {
  return {
    jti: claims.jti,
    project_id: claims.pid,
    kind,
    subject: claims.sub,
    issued_at: claims.ims ?? claims.iat * 1000,
    expires_at: claims.exp * 1000,
    redeemed_at: null,
  };
}

export async function findTicket(db: Kysely<DB>, jti: string) {
  return db.selectFrom('tickets').selectAll().where('jti', '=', jti).executeTakeFirst();
}
