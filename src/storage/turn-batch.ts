// The calls of one event-loop turn answered together. On PostgreSQL the turn's ticket redemptions
// (or refreshes) become one multi-row statement: one round trip and one commit, so one WAL flush,
// instead of one each (repos/session-batches.ts; docs/performance.md). Each caller still waits for
// that commit, so nothing is acknowledged before it is stored.
import { databaseFault } from './dialect.ts';

interface Call<In, Out> {
  input: In;
  resolve: (value: Out) => void;
  reject: (err: unknown) => void;
}

/**
 * Collects calls during a turn and runs them with `many` (its answers in the inputs' order). Two calls
 * with one key never share a statement (one statement must not write one row twice): the later waits
 * for the next turn, as a call racing from another node would. When `many` fails for a reason other
 * than the database being down (a deadlock with another node's batch, a constraint), each call runs
 * alone with `one`, so one bad call never fails the others.
 */
export class TurnBatch<In, Out> {
  #pending: Array<Call<In, Out>> = [];
  #scheduled = false;

  constructor(
    private readonly many: (inputs: In[]) => Promise<Out[]>,
    private readonly one: (input: In) => Promise<Out>,
    private readonly keyOf: (input: In) => string,
    /** Told each statement's number of calls (metrics). */
    private readonly onBatch: (calls: number) => void = () => {},
    private readonly maxBatch = 200,
  ) {}

  submit(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.#pending.push({ input, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    this.#pending = [];
    const keys = new Set<string>();
    const batch: Array<Call<In, Out>> = [];
    for (const call of pending) {
      const key = this.keyOf(call.input);
      if (batch.length >= this.maxBatch || keys.has(key)) {
        this.#pending.push(call);
      } else {
        keys.add(key);
        batch.push(call);
      }
    }
    if (this.#pending.length > 0) this.#schedule();
    void this.#run(batch);
  }

  async #run(batch: Array<Call<In, Out>>): Promise<void> {
    this.onBatch(batch.length);
    if (batch.length === 1) {
      const [call] = batch as [Call<In, Out>];
      this.one(call.input).then(call.resolve, call.reject);
      return;
    }
    let answers: Out[];
    try {
      answers = await this.many(batch.map((call) => call.input));
    } catch (err) {
      if (databaseFault(err) !== undefined) {
        for (const call of batch) call.reject(err);
      } else {
        for (const call of batch) this.one(call.input).then(call.resolve, call.reject);
      }
      return;
    }
    for (const [i, call] of batch.entries()) call.resolve(answers[i] as Out);
  }
}
