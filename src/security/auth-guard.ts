// Counters of refused credentials, in fixed windows, per subject: `ip:<client address>` (who sends)
// and `cred:<hash>` (what was sent). The rule that uses them is in http/guard.ts. Every process counts
// in its own memory; with Redis the counts are also shared by every node, and a subject's count is
// the larger of the two, so an unreachable Redis never reads as "no failures". No check waits on Redis:
// a subject's going over its limit is told to every node (redisAuthGuard).
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
  /** The same without waiting (both guards answer from memory). */
  waitsNow(subjects: readonly string[]): number[];
  recordFailure(subjects: readonly string[]): Promise<void>;
  /**
   * False while no presented credential can be over its limit (none has reached it in a window still
   * open): answers before routing then skip hashing the credential to look it up.
   */
  mayRefuseCredentials(): boolean;
}

/** A subject is a source (`ip:`) or else a presented credential (`cred:`): one rule for its limit and for `mayRefuseCredentials`. */
const isCredential = (subject: string) => !subject.startsWith('ip:');

const limitOf = (limits: AuthGuardLimits, subject: string) => (isCredential(subject) ? limits.perCredential : limits.perAddress);

interface MemoryCounts {
  waits(subjects: readonly string[]): number[];
  record(subjects: readonly string[]): void;
  /** Until when some credential counted here may be over its limit (a time past: none is). */
  credentialsLimitedUntil(): number;
}

/** Bounds memory under a flood of distinct subjects: past `max` entries, drops the expired ones, then the oldest down to `keep`. */
function bound<V>(entries: Map<string, V>, expired: (value: V) => boolean, max: number, keep: number): void {
  if (entries.size <= max) return;
  for (const [s, v] of entries) if (expired(v)) entries.delete(s);
  for (const s of entries.keys()) {
    if (entries.size <= keep) break;
    entries.delete(s);
  }
}

function memoryCounts(limits: AuthGuardLimits, now: () => number): MemoryCounts {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let credentialsLimitedUntil = 0;
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
      bound(windows, (w) => w.resetAt <= now(), 100_000, 90_000);
      for (const s of subjects) {
        const w = live(s);
        const counted = w ?? { count: 0, resetAt: now() + limits.windowMs };
        if (w === undefined) windows.set(s, counted);
        counted.count++;
        if (isCredential(s) && counted.count >= limitOf(limits, s)) credentialsLimitedUntil = Math.max(credentialsLimitedUntil, counted.resetAt);
      }
    },
    credentialsLimitedUntil: () => credentialsLimitedUntil,
  };
}

export function memoryAuthGuard(limits: AuthGuardLimits, now: () => number): AuthGuard {
  const memory = memoryCounts(limits, now);
  return {
    waitsNow: (subjects) => memory.waits(subjects),
    waits: async (subjects) => memory.waits(subjects),
    recordFailure: async (subjects) => memory.record(subjects),
    mayRefuseCredentials: () => memory.credentialsLimitedUntil() > now(),
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

/**
 * With Redis: failures are counted in Redis (INCR), so every node's failures add up, but no request
 * reads Redis. The node whose failure takes a subject to its limit learns it from the INCR's answer
 * and tells every node (`announce`, the invalidation channel: `noteLimited` on each); checks read
 * only this process's memory. A node that missed the note (it started later, or was cut off) learns
 * it at the subject's next failure there. While Redis is down, this process's own counts decide.
 */
export function redisAuthGuard(
  limits: AuthGuardLimits,
  redis: Redis,
  prefix: string,
  now: () => number,
  announce: (subject: string, ttlMs: number) => void,
): AuthGuard & { noteLimited(subject: string, ttlMs: number): void } {
  const memory = memoryCounts(limits, now);
  /** Subjects over their limit on some node, until when. */
  const limited = new Map<string, number>();
  let credentialsLimitedUntil = 0;
  const waitsNow = (subjects: readonly string[]) => {
    const local = memory.waits(subjects);
    return subjects.map((s, i) => {
      const left = (limited.get(s) ?? 0) - now();
      if (left <= 0) limited.delete(s);
      return Math.max(left > 0 ? Math.ceil(left / 1000) : 0, local[i] ?? 0);
    });
  };
  const noteLimited = (subject: string, ttlMs: number) => {
    bound(limited, (until) => until <= now(), 99_999, 99_999);
    limited.set(subject, now() + ttlMs);
    if (isCredential(subject)) credentialsLimitedUntil = Math.max(credentialsLimitedUntil, now() + ttlMs);
  };
  return {
    waitsNow,
    waits: async (subjects) => waitsNow(subjects),
    noteLimited,
    mayRefuseCredentials: () => Math.max(credentialsLimitedUntil, memory.credentialsLimitedUntil()) > now(),
    async recordFailure(subjects) {
      memory.record(subjects);
      const pipeline = redis.pipeline();
      for (const s of subjects)
        pipeline
          .incr(prefix + s)
          .pexpire(prefix + s, limits.windowMs, 'NX')
          .pttl(prefix + s);
      let counts: unknown[];
      try {
        counts = await run(pipeline);
      } catch {
        return;
      }
      for (const [i, s] of subjects.entries()) {
        const count = Number(counts[3 * i]);
        const ttl = Number(counts[3 * i + 2]);
        if (count < limitOf(limits, s) || !(ttl > 0)) continue;
        const known = (limited.get(s) ?? 0) > now();
        noteLimited(s, ttl);
        if (!known) announce(s, ttl);
      }
    },
  };
}
