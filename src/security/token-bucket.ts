// Token buckets per subject (a user), in this process's memory: `rate` tokens a second, holding at
// most `burst`. Per process on purpose: the check sits on every socket frame and client call, and a
// round trip to Redis there would cost more than what it protects; N nodes allow N times the rate.

export interface Rate {
  /** Tokens added per second; 0 turns the limit off. */
  perSecond: number;
  /** The most a subject may spend at once. */
  burst: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: Rate,
    private readonly now: () => number,
    /** Subjects remembered; beyond it, those whose bucket is full again are forgotten first. */
    private readonly maxSubjects = 100_000,
  ) {}

  /** Takes one token: 0 when granted, else the whole seconds until one is there. */
  take(subject: string): number {
    const { perSecond, burst } = this.rate;
    if (perSecond === 0) return 0;
    const now = this.now();
    let bucket = this.#buckets.get(subject);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.maxSubjects) this.#forget(now);
      bucket = { tokens: burst, at: now };
      this.#buckets.set(subject, bucket);
    } else {
      // A clock that steps back refills nothing (and takes nothing away).
      bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) * perSecond) / 1000);
      bucket.at = Math.max(bucket.at, now);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  /** Forgets full buckets (nothing lost: a new one starts full); if none is full, the oldest tenth. */
  #forget(now: number): void {
    const { perSecond, burst } = this.rate;
    for (const [subject, b] of this.#buckets) {
      if (b.tokens + (Math.max(0, now - b.at) * perSecond) / 1000 >= burst) this.#buckets.delete(subject);
    }
    if (this.#buckets.size < this.maxSubjects) return;
    let drop = Math.ceil(this.maxSubjects / 10);
    for (const subject of this.#buckets.keys()) {
      if (drop-- <= 0) break;
      this.#buckets.delete(subject);
    }
  }
}
