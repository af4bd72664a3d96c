// Retention (docs/operations.md): what has expired is deleted on a schedule, in small batches, by one
// node at a time, so the database keeps its size under a steady load.
import type { RetentionSettings } from '../config.ts';
import type { Deps } from '../deps.ts';
import { type Cutoffs, type RetainedTable, aloneAmongNodes, purgeBatch } from '../repos/retention.ts';
import { type Rounds, everyRound } from './rounds.ts';

const DAY_MS = 86_400_000;
/** Rows per statement: small enough that no statement holds the database long. */
const BATCH = 1000;
const TABLES: RetainedTable[] = ['tickets', 'refresh_tokens', 'sessions', 'webhook_deliveries', 'idempotency_keys'];

/** One round; the rows deleted per table, or undefined when another node was running one. */
export async function runRetention(deps: Deps, settings: RetentionSettings): Promise<Partial<Record<RetainedTable, number>> | undefined> {
  const now = deps.clock.now();
  const kept = settings.sessionDays * DAY_MS;
  const cutoffs: Cutoffs = {
    tickets: now,
    sessionsRevoked: now - kept,
    // A session whose last refresh token expired cannot go on; kept as long as a revoked one after that.
    sessionsIdle: now - deps.ttl.refresh * 1000 - kept,
    refreshTokens: now,
    webhookDeliveries: now - settings.webhookDays * DAY_MS,
    // Answers of Idempotency-Keys are kept 24 hours (docs/server-api.md).
    idempotencyKeys: now - DAY_MS,
  };
  const deleted: Partial<Record<RetainedTable, number>> = {};
  const ran = await aloneAmongNodes(deps.db, deps.dialect, async (db) => {
    for (const table of TABLES) {
      let n = 0;
      for (;;) {
        const batch = await purgeBatch(db, table, cutoffs, BATCH);
        n += batch;
        if (batch < BATCH) break;
        // Let the requests in between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (n > 0) deleted[table] = n;
    }
  });
  if (!ran) return undefined;
  if (Object.keys(deleted).length > 0) deps.logger.info({ deleted }, 'retention: expired rows deleted');
  return deleted;
}

/** Runs a round every `intervalSeconds` (from the end of the last) until stopped. */
export function startRetention(deps: Deps, settings: RetentionSettings): Rounds {
  return everyRound(deps.logger, 'retention', settings.intervalSeconds * 1000, () => runRetention(deps, settings));
}
