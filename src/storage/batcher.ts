// Group commit: the units of work queued during one turn of the event loop share one commit. Each
// caller still waits for that commit, so nothing is acknowledged before it is stored.
import { databaseFault } from './dialect.ts';

/**
 * Group commit for whole units of work: the jobs queued during one turn of the event loop run one
 * after another in one transaction. If that transaction fails, each job is retried alone, so one
 * bad job never fails the others (unless the database itself failed: then every job fails at once). Each caller still waits for its commit. With `enabled` false
 * (PostgreSQL, where concurrent transactions already overlap) every job gets its own transaction.
 */
export class TransactionBatcher<Trx> {
  #queue: Array<{ work: (trx: Trx) => Promise<unknown>; resolve: (value: unknown) => void; reject: (err: unknown) => void }> = [];
  #scheduled = false;

  constructor(
    private readonly transaction: <T>(work: (trx: Trx) => Promise<T>) => Promise<T>,
    private readonly enabled: boolean,
    private readonly maxBatch = 256,
  ) {}

  /** True when jobs are committed in the order they were queued (one batch after another). */
  get ordered(): boolean {
    return this.enabled;
  }

  run<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    if (!this.enabled) return this.transaction(work);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  /** One flusher at a time: jobs queued while a batch commits form the next batch. */
  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.maxBatch);
      try {
        const results = await this.transaction(async (trx) => {
          const out: unknown[] = [];
          for (const job of batch) out.push(await job.work(trx));
          return out;
        });
        for (const [i, job] of batch.entries()) job.resolve(results[i]);
      } catch (err) {
        // Alone, each job would meet the same outage (and wait out the same busy timeout): all fail now.
        if (batch.length === 1 || databaseFault(err) !== undefined) {
          for (const job of batch) job.reject(err);
          continue;
        }
        for (const job of batch) await this.transaction(job.work).then(job.resolve, job.reject);
      }
    }
    this.#scheduled = false;
  }
}
