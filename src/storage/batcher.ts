// Group commit: the units of work queued during one turn of the event loop share one commit. Each
// caller still waits for that commit, so nothing is acknowledged before it is stored.
import { databaseFault } from './dialect.ts';

/** What the batcher tells and asks of its owner (metrics and tracing); nothing by default. */
export interface BatcherHooks {
  /** A transaction committed or failed with this many jobs. */
  onBatch?(jobs: number): void;
  /** Ties a job to its caller's context (tracing: its statements become the caller's spans' children). */
  bind?<F extends (...args: never[]) => unknown>(work: F): F;
}

/**
 * A unit of work in a transaction. It may answer at once (a message's statements on SQLite,
 * services/messages.ts): a batch then runs it without a promise and a wait of its own.
 */
export type Work<Trx, T> = (trx: Trx) => T | Promise<T>;

/**
 * Group commit for whole units of work: the jobs queued during one turn of the event loop run one
 * after another in one transaction. A transaction takes jobs until it holds `maxBatch` of them or has
 * worked `maxBatchMs`, whichever comes first, so a job never waits behind a long batch; between
 * transactions the event loop runs (sockets are read and written). If a transaction fails, each of
 * its jobs is retried alone, so one bad job never fails the others (unless the database itself
 * failed: then every job of it fails at once). Each caller still waits for its commit. With `enabled`
 * false (PostgreSQL, where concurrent transactions already overlap) every job gets its own transaction.
 */
export class TransactionBatcher<Trx> {
  #queue: Array<{ work: Work<Trx, unknown>; resolve: (value: unknown) => void; reject: (err: unknown) => void }> = [];
  #scheduled = false;

  constructor(
    private readonly transaction: <T>(work: (trx: Trx) => Promise<T>) => Promise<T>,
    private readonly enabled: boolean,
    private readonly limits: { maxBatch: number; maxBatchMs: number; now: () => number } = { maxBatch: 256, maxBatchMs: 8, now: () => performance.now() },
    private readonly hooks: BatcherHooks = {},
  ) {}

  /** Jobs waiting for their transaction. */
  get queued(): number {
    return this.#queue.length;
  }

  /** True when jobs are committed in the order they were queued (one batch after another). */
  get ordered(): boolean {
    return this.enabled;
  }

  run<T>(work: Work<Trx, T>): Promise<T> {
    if (!this.enabled) return this.transaction(async (trx) => work(trx));
    const bound = this.hooks.bind === undefined ? work : this.hooks.bind(work);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work: bound, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => void this.#flush());
  }

  /** One transaction per event-loop turn; jobs queued meanwhile, and those it had no time for, form the next. */
  async #flush(): Promise<void> {
    const { maxBatch, maxBatchMs, now } = this.limits;
    const batch = this.#queue.splice(0, maxBatch);
    let taken = batch.length;
    try {
      const results = await this.transaction(async (trx) => {
        const started = now();
        const out: unknown[] = [];
        for (const [i, job] of batch.entries()) {
          if (i > 0 && now() - started >= maxBatchMs) {
            taken = i;
            break;
          }
          const result = job.work(trx);
          out.push(result instanceof Promise ? await result : result);
        }
        return out;
      });
      // The jobs it had no time for go first in the next transaction, in their order.
      this.#queue.unshift(...batch.splice(taken));
      this.hooks.onBatch?.(batch.length);
      for (const [i, job] of batch.entries()) job.resolve(results[i]);
    } catch (err) {
      this.#queue.unshift(...batch.splice(taken));
      this.hooks.onBatch?.(batch.length);
      // Alone, each job would meet the same outage (and wait out the same busy timeout): all fail now.
      if (batch.length === 1 || databaseFault(err) !== undefined) {
        for (const job of batch) job.reject(err);
      } else {
        for (const job of batch) await this.transaction(async (trx) => job.work(trx)).then(job.resolve, job.reject);
      }
    }
    this.#scheduled = false;
    if (this.#queue.length > 0) this.#schedule();
  }
}
