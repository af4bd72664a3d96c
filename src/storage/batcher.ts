// Group commit for rows that many concurrent requests insert into one table: the rows queued during
// one turn of the event loop are written by one multi-row INSERT, one commit. Each caller still
// waits for that commit, so nothing is acknowledged before it is stored.
export class InsertBatcher<Row> {
  #queue: Array<{ row: Row; resolve: () => void; reject: (err: unknown) => void }> = [];
  #scheduled = false;

  constructor(
    private readonly write: (rows: Row[]) => Promise<void>,
    private readonly maxBatch = 100,
  ) {}

  insert(row: Row): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.maxBatch);
      this.write(batch.map((b) => b.row)).then(
        () => {
          for (const b of batch) b.resolve();
        },
        (err: unknown) => {
          for (const b of batch) b.reject(err);
        },
      );
    }
  }
}
