import type { Transaction } from 'kysely';
import type { Deps } from '../deps.ts';
import { isRetryableConflict, isUniqueViolation } from '../storage/dialect.ts';
import type { DB } from '../storage/schema.ts';

/** Thrown inside a transaction when a concurrent writer changed what it read; the transaction is retried. */
export class ConcurrentChange extends Error {}

const ATTEMPTS = 5;

/**
 * Runs `work` in a transaction (on SQLite shared with the turn's other writes), retrying when a concurrent writer won a race (unique violation,
 * serialization failure, or ConcurrentChange). A retry re-reads the committed state, so the
 * loser of a race sees the winner's row and takes the update path.
 */
export async function inRetriedTransaction<T>(deps: Deps, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.writes.run(work);
    } catch (err) {
      const retryable = err instanceof ConcurrentChange || isUniqueViolation(err) || isRetryableConflict(err);
      if (!retryable || attempt >= ATTEMPTS) throw err;
    }
  }
}
