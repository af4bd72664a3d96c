// Background work done in rounds (scheduled messages, retention, the file sweep): each round starts a
// fixed time after the last one ended, so rounds never overlap; a failed round (the database away is
// routine) is logged and the next one tries again; stop() waits for a round under way.
import type { FastifyBaseLogger } from 'fastify';

export interface Rounds {
  stop(): Promise<void>;
}

/** Runs `round` every `intervalMs` (from the end of the last) until stopped; 0 or less: never. */
export function everyRound(logger: FastifyBaseLogger, what: string, intervalMs: number, round: () => Promise<unknown>): Rounds {
  if (intervalMs <= 0) return { stop: async () => {} };
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    if (stopped) return;
    timer = setTimeout(tick, intervalMs);
    timer.unref();
  };
  const tick = () => {
    running = round().catch((err: unknown) => {
      const { code, message } = err as { code?: unknown; message?: unknown };
      logger.warn({ err: { code, message } }, `${what}: round failed, retrying next round`);
    });
    void running.then(next);
  };
  next();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
