// Brute-force protection for every credential check: failures are counted per client address and per
// key id in fixed windows; past the limit the subject is refused (429 + Retry-After) before any check,
// so a correct guess during the block is worth nothing. Counters live in Redis when configured (shared
// by every node) and in memory otherwise.
import type { Redis } from 'ioredis';

export interface AuthGuardLimits {
  /** Failures allowed per client address per window. */
  perAddress: number;
  /** Failures allowed per key id per window. */
  perKey: number;
  windowMs: number;
}

export interface AuthGuard {
  /** Seconds until the first blocked subject may try again, or 0. */
  blockedFor(subjects: string[]): Promise<number>;
  /** The same answer without waiting, where it is known here (memory); undefined otherwise (Redis). */
  blockedForNow(subjects: string[]): number | undefined;
  recordFailure(subjects: string[]): Promise<void>;
}

const limitOf = (limits: AuthGuardLimits, subject: string) => (subject.startsWith('ip:') ? limits.perAddress : limits.perKey);

export function memoryAuthGuard(limits: AuthGuardLimits, now: () => number): AuthGuard {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const live = (subject: string) => {
    const w = windows.get(subject);
    if (w !== undefined && w.resetAt <= now()) {
      windows.delete(subject);
      return undefined;
    }
    return w;
  };
  const blockedForNow = (subjects: string[]) => {
    let wait = 0;
    for (const s of subjects) {
      const w = live(s);
      if (w !== undefined && w.count >= limitOf(limits, s)) wait = Math.max(wait, Math.ceil((w.resetAt - now()) / 1000));
    }
    return wait;
  };
  return {
    blockedForNow,
    async blockedFor(subjects) {
      return blockedForNow(subjects);
    },
    async recordFailure(subjects) {
      // Bound memory under a flood of distinct subjects: drop expired windows first, then the oldest.
      if (windows.size > 100_000) {
        for (const [s, w] of windows) if (w.resetAt <= now()) windows.delete(s);
        for (const s of windows.keys()) {
          if (windows.size <= 90_000) break;
          windows.delete(s);
        }
      }
      for (const s of subjects) {
        const w = live(s);
        if (w === undefined) windows.set(s, { count: 1, resetAt: now() + limits.windowMs });
        else w.count++;
      }
    },
  };
}

export function redisAuthGuard(limits: AuthGuardLimits, redis: Redis, prefix: string): AuthGuard {
  return {
    blockedForNow: () => undefined,
    async blockedFor(subjects) {
      if (subjects.length === 0) return 0;
      const pipeline = redis.pipeline();
      for (const s of subjects) pipeline.get(prefix + s).pttl(prefix + s);
      const results = (await pipeline.exec()) ?? [];
      let wait = 0;
      subjects.forEach((s, i) => {
        const count = Number(results[2 * i]?.[1] ?? 0);
        const ttl = Number(results[2 * i + 1]?.[1] ?? 0);
        if (count >= limitOf(limits, s) && ttl > 0) wait = Math.max(wait, Math.ceil(ttl / 1000));
      });
      return wait;
    },
    async recordFailure(subjects) {
      const pipeline = redis.pipeline();
      for (const s of subjects) pipeline.incr(prefix + s).pexpire(prefix + s, limits.windowMs, 'NX');
      await pipeline.exec();
    },
  };
}
