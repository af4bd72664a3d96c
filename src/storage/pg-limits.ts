// PostgreSQL's time limits, apart from the driver: configuration reads them without loading `pg`,
// which a process on SQLite never needs.

/** Milliseconds. A server-side limit of 0 leaves the server's own setting. */
export interface PgLimits {
  /** To open a connection, or to wait for a free one in the pool. */
  connect: number;
  /** `statement_timeout`: the server cancels a statement running longer (57014). */
  statement: number;
  /** The client's own bound on one query's round trip: catches a server or network that stopped answering. */
  query: number;
  /** `idle_in_transaction_session_timeout`: the server ends a session left idle inside a transaction. */
  idleInTransaction: number;
  /** TCP keepalive probes start after this much silence on an idle connection. */
  keepAliveDelay: number;
}

export const DEFAULT_PG_LIMITS: PgLimits = { connect: 5000, statement: 10_000, query: 15_000, idleInTransaction: 30_000, keepAliveDelay: 10_000 };
