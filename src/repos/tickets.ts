import type { Insertable, Kysely } from 'kysely';
import { Precompiled } from '../storage/precompiled.ts';
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

const REDEEM_TICKET = new Precompiled<keyof TicketRow, never>((db, slot) =>
  db
    .insertInto('tickets')
    .values({
      jti: slot('jti'),
      project_id: slot('project_id'),
      kind: slot('kind'),
      subject: slot('subject'),
      issued_at: slot('issued_at'),
      expires_at: slot('expires_at'),
      redeemed_at: slot('redeemed_at'),
    })
    .onConflict((oc) =>
      oc
        .column('jti')
        .doUpdateSet({ redeemed_at: slot('redeemed_at') })
        .where('tickets.redeemed_at', 'is', null),
    ),
);

/**
 * Records a ticket's redemption, the only write a ticket ever causes; false when its jti was redeemed
 * before (the primary key refuses the second, also when two nodes race). A row recorded unredeemed at
 * issuance by an older version is marked redeemed instead.
 */
export async function recordRedemption(db: Kysely<DB>, row: TicketRow, now: number): Promise<boolean> {
  return ((await REDEEM_TICKET.execute(db, { ...row, redeemed_at: now })).numAffectedRows ?? 0n) > 0n;
}

/** recordRedemption without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function recordRedemptionNow(db: Kysely<DB>, row: TicketRow, now: number): boolean {
  return (REDEEM_TICKET.now(db, { ...row, redeemed_at: now }).numAffectedRows ?? 0n) > 0n;
}
