// The per-key request rate limit's counts in this process's memory, as a store of @fastify/rate-limit
// (its documented custom-store interface) that an answer before routing can also count in
// (http/fast-path.ts): one count per request whichever way it is answered. A fixed window per key, as
// the library's own memory store keeps it: the first request opens a window of `windowMs`, each one
// counts, and the count starts again once the window has passed. With Redis (several nodes) the
// library's Redis store counts instead, and nothing is answered before routing while a limit is on.
import type { FastifyRateLimitStore } from '@fastify/rate-limit';

/** What the library reads of a count: requests in the window so far, and milliseconds until it ends. */
export interface WindowCount {
  current: number;
  ttl: number;
}

/** The X-RateLimit-* headers of an answer within the limit, as the library sets them. */
export interface RateHeaders {
  'x-ratelimit-limit': number;
  'x-ratelimit-remaining': number;
  'x-ratelimit-reset': number;
}

export class RequestWindows implements FastifyRateLimitStore {
  readonly #windows = new Map<string, { count: number; started: number }>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number,
    /** Keys remembered; past it, those whose window has ended are forgotten (then the oldest). */
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts one request of `key`. */
  hit(key: string): WindowCount {
    const now = this.now();
    let window = this.#windows.get(key);
    if (window === undefined || window.started + this.windowMs <= now) {
      // Delete then set: the map stays in the order windows started, oldest first.
      this.#windows.delete(key);
      if (this.#windows.size >= this.maxKeys) this.#forget(now);
      window = { count: 0, started: now };
      this.#windows.set(key, window);
    }
    window.count++;
    return { current: window.count, ttl: window.started + this.windowMs - now };
  }

  /** Counts one request answered before routing: its headers, or undefined past the limit (the route refuses it). */
  hitBeforeRouting(key: string): RateHeaders | undefined {
    const { current, ttl } = this.hit(key);
    if (current > this.max) return undefined;
    return { 'x-ratelimit-limit': this.max, 'x-ratelimit-remaining': this.max - current, 'x-ratelimit-reset': Math.ceil(ttl / 1000) };
  }

  // The library's store interface.
  incr(key: string, callback: (error: Error | null, result?: WindowCount) => void): void {
    callback(null, this.hit(key));
  }

  child(): FastifyRateLimitStore {
    return this;
  }

  #forget(now: number): void {
    for (const [key, window] of this.#windows) if (window.started + this.windowMs <= now) this.#windows.delete(key);
    let drop = this.#windows.size - this.maxKeys + 1;
    for (const key of this.#windows.keys()) {
      if (drop-- <= 0) break;
      this.#windows.delete(key);
    }
  }
}
