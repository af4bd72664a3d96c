// Counters of refused credentials, in fixed windows, per subject: `ip:<client address>` (who sends)
// and `cred:<hash>` (what was sent). The rule that uses them is in http/guard.ts. Every process counts
// in its own memory; with Redis the counts are also shared by every node, and a subject's count is
// the larger of the two, so an unreachable Redis never reads as "no failures".
import type { Redis } from 'ioredis';

export interface AuthGuardLimits {
  /** Failures allowed per client address per window. */
  perAddress: number;
  /** Failures allowed per presented credential per window. */
  perCredential: number;
  windowMs: number;
}

export interface AuthGuard {
  /** Seconds until each subject is under its limit again (0 = under it now), in the order given. */
  waits(subjects: readonly string[]): Promise<number[]>;
  /** The same without waiting, where this process alone decides (memory); undefined with Redis. */
  waitsNow(subjects: readonly string[]): number[] | undefined;
  recordFailure(subjects: readonly string[]): Promise<void>;
}

const limitOf = (limits: AuthGuardLimits, subject: string) => (subject.startsWith('ip:') ? limits.perAddress : limits.perCredential);

interface MemoryCounts {
  waits(subjects: readonly string[]): number[];
  record(subjects: readonly string[]): void;
}

function memoryCounts(limits: AuthGuardLimits, now: () => number): MemoryCounts {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const live = (subject: string) => {
    const w = windows.get(subject);
    if (w !== undefined && w.resetAt <= now()) {
      windows.delete(subject);
      return undefined;
    }
    return w;
  };
  return {
    waits: (subjects) =>
      subjects.map((s) => {
        const w = live(s);
        return w !== undefined && w.count >= limitOf(limits, s) ? Math.ceil((w.resetAt - now()) / 1000) : 0;
      }),
    record(subjects) {
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

export function memoryAuthGuard(limits: AuthGuardLimits, now: () => number): AuthGuard {
  const memory = memoryCounts(limits, now);
  return {
    waitsNow: (subjects) => memory.waits(subjects),
    waits: async (subjects) => memory.waits(subjects),
    recordFailure: async (subjects) => memory.record(subjects),
  };
}

/** A pipeline's replies; throws when any command failed (ioredis reports those per command). */
async function run(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

export function redisAuthGuard(limits: AuthGuardLimits, redis: Redis, prefix: string, now: () => number): AuthGuard {
  const memory = memoryCounts(limits, now);
  return {
    waitsNow: () => undefined,
    async waits(subjects) {
      const local = memory.waits(subjects);
      if (subjects.length === 0) return local;
      const pipeline = redis.pipeline();
      for (const s of subjects) pipeline.get(prefix + s).pttl(prefix + s);
      let shared: unknown[];
      try {
        shared = await run(pipeline);
      } catch {
        // Redis is down or slow (its outage is logged once): this process's own counts decide.
        return local;
      }
      return subjects.map((s, i) => {
        const count = Number(shared[2 * i] ?? 0);
        const ttl = Number(shared[2 * i + 1] ?? 0);
        const wait = count >= limitOf(limits, s) && ttl > 0 ? Math.ceil(ttl / 1000) : 0;
        return Math.max(wait, local[i] ?? 0);
      });
    },
    async recordFailure(subjects) {
      memory.record(subjects);
      const pipeline = redis.pipeline();
      for (const s of subjects) pipeline.incr(prefix + s).pexpire(prefix + s, limits.windowMs, 'NX');
      await run(pipeline).catch(() => {});
    },
  };
}
