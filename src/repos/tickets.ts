import type { Insertable, Kysely } from 'kysely';
import type { DB, TicketKind, TicketTable } from '../storage/schema.ts';
import type { TokenClaims } from '../tokens.ts';

export type TicketRow = Insertable<TicketTable>;

export function ticketRow(kind: TicketKind, claims: TokenClaims): TicketRow {
  return {
    jti: claims.jti,
    project_id: claims.pid,
    kind,
    subject: claims.sub,
    issued_at: claims.iat * 1000,
    expires_at: claims.exp * 1000,
    redeemed_at: null,
  };
}

/** Records an issued ticket so that it can be redeemed only once. */
export async function insertTicket(db: Kysely<DB>, kind: TicketKind, claims: TokenClaims): Promise<void> {
  await insertTickets(db, [ticketRow(kind, claims)]);
}

export async function insertTickets(db: Kysely<DB>, rows: TicketRow[]): Promise<void> {
  await db.insertInto('tickets').values(rows).execute();
}

export async function findTicket(db: Kysely<DB>, jti: string) {
  return db.selectFrom('tickets').selectAll().where('jti', '=', jti).executeTakeFirst();
}
