// Sends the outbox. Every process runs one dispatcher; each claims due deliveries (the oldest pending
// one of each queue: an endpoint and a room, so a room's events arrive in order), sends them, and
// records the outcome. A claim expires, so the deliveries a killed node held are sent by another. A
// failed attempt is retried on a growing schedule with jitter (the first retry within seconds) until
// the retry window (at least 24 hours) is spent; then the delivery is marked failed, for an operator
// to replay (`parley webhook replay`). Delivery is at least once: the same `webhook-id` marks repeats.
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { appendTo } from '../grouping.ts';
import type { Metrics } from '../metrics.ts';
import * as claims from '../repos/webhook-claims.ts';
import * as repo from '../repos/webhooks.ts';
import type { Delivery, WebhookEndpoint } from '../repos/webhooks.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { DB } from '../storage/schema.ts';
import type { WebhookSender } from './send.ts';

export interface RetrySchedule {
  /** Milliseconds before the first retry; each next wait is three times longer, up to `maxMs`. */
  firstMs: number;
  maxMs: number;
  /** Retries stop once the waits add up to this much. */
  windowMs: number;
}

/** The wait before retry `n` (1-based), without jitter; undefined when the window is spent. */
export function retryDelay(schedule: RetrySchedule, n: number): number | undefined {
  let spent = 0;
  let delay = schedule.firstMs;
  for (let i = 1; i < n; i++) {
    spent += delay;
    delay = Math.min(delay * 3, schedule.maxMs);
  }
  return spent >= schedule.windowMs ? undefined : delay;
}

export interface DispatcherOptions {
  db: Kysely<DB>;
  postgres: boolean;
  now(): number;
  logger: FastifyBaseLogger;
  metrics: Metrics;
  sender: WebhookSender;
  box: SecretBox;
  schedule: RetrySchedule;
  /** The body a stored payload sends (message events are rendered when sent). */
  render(payload: string): Promise<string>;
  /**
   * SQLite: writes the deliveries of up to `limit` messages not yet announced (the messages table is
   * their outbox: services/message-announcements.ts); returns how many messages it read.
   */
  announceMessages?: (limit: number) => Promise<number>;
  /** Messages not yet announced, for the queue's metrics. */
  unannounced?: () => Promise<{ count: number; oldest: number | null }>;
  /** How often to look for due deliveries when nothing wakes the dispatcher. */
  pollMs: number;
  /** How long a claim lasts: longer than one attempt can take. */
  claimMs: number;
  batch: number;
}

/**
 * Delivery is background work: while the event loop is saturated (the chat at full speed), a round
 * sends a few deliveries at a time with pauses between, and the outbox drains once the load eases.
 */
const SATURATED = 0.9;
const SATURATED_BATCH = 16;
const SATURATED_PAUSE_MS = 100;

export class Dispatcher {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  /** The earliest retry this node scheduled: the next round starts then rather than at the next poll. */
  #soonest = Number.POSITIVE_INFINITY;
  /** Endpoints with their secrets opened once (a box open per delivery was a sixth of its cost). */
  readonly #endpoints = new Map<string, { endpoint: WebhookEndpoint; secret: string | undefined } | undefined>();
  #elu = performance.eventLoopUtilization();
  #utilization = 0;
  /** When the queue's metrics were last counted. */
  #measured = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: DispatcherOptions) {}

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  /** Looks for due deliveries now (an event was just written here). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#round().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      } else this.#schedule();
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.o.sender.close();
  }

  #schedule(): void {
    if (this.#stopped) return;
    const wait = Math.max(10, Math.min(this.o.pollMs, this.#soonest - this.o.now()));
    this.#soonest = Number.POSITIVE_INFINITY;
    this.#timer = setTimeout(() => this.wake(), wait);
    this.#timer.unref();
  }

  /**
   * Claims and sends until nothing is due. Each queue's claimed run goes out one delivery after the
   * other (a failure stops it: the rest waits behind the retry), the queues side by side; what was
   * delivered is recorded once per round, so a round costs the database a claim and a write or two
   * however many it sends (a node dying before that write has those sent again: at least once).
   */
  async #round(): Promise<void> {
    try {
      for (;;) {
        const saturated = this.#saturated();
        if (saturated) await new Promise((resolve) => setTimeout(resolve, SATURATED_PAUSE_MS));
        if (this.#stopped) return;
        const limit = saturated ? SATURATED_BATCH : this.o.batch;
        const read = (await this.o.announceMessages?.(limit)) ?? 0;
        const now = this.o.now();
        const claimed = await claims.claimDue(this.o.db, now, now + this.o.claimMs, limit, this.o.postgres);
        if (claimed.length === 0) {
          if (read === limit) continue;
          await this.#measure(now);
          return;
        }
        const queues = new Map<string, Delivery[]>();
        for (const d of claimed) appendTo(queues, `${d.endpointId}\0${d.orderKey}`, d);
        const delivered: Array<{ id: number; status: number }> = [];
        const unsent: number[] = [];
        await Promise.all(
          [...queues.values()].map(async (run) => {
            for (const [i, d] of run.entries()) {
              // Stopping: what was not tried yet is handed back.
              if (this.#stopped) return unsent.push(...run.slice(i).map((x) => x.id));
              const outcome = await this.#deliver(d);
              if (outcome === 'stop') return unsent.push(...run.slice(i + 1).map((x) => x.id));
              if (outcome !== 'next') delivered.push({ id: d.id, status: outcome });
            }
          }),
        );
        await claims.markDelivered(this.o.db, delivered, this.o.now());
        await claims.releaseClaims(this.o.db, unsent);
        if (delivered.length > 0) this.o.metrics.webhookDeliveries.inc({ outcome: 'delivered' }, delivered.length);
        if (this.#stopped) return;
      }
    } catch (err) {
      // The database is away: the next round tries again.
      this.o.logger.warn({ err: { message: (err as Error).message } }, 'webhook dispatch paused');
    }
  }

  /** Counting the pending rows reads all of them: at most once a second, not once a round. */
  async #measure(now: number): Promise<void> {
    if (now - this.#measured < 1000) return;
    this.#measured = now;
    const queue = await repo.queueState(this.o.db, now);
    const waiting = (await this.o.unannounced?.()) ?? { count: 0, oldest: null };
    this.o.metrics.webhookQueue.set(queue.pending + waiting.count);
    const oldest = Math.max(queue.oldestAgeMs, waiting.oldest === null ? 0 : now - waiting.oldest);
    this.o.metrics.webhookOldest.set(oldest / 1000);
  }

  /** Whether the event loop was busy more than 90 % of the time since the last look (looked at most every 250 ms). */
  #saturated(): boolean {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, this.#elu);
    if (since.active + since.idle >= 250) {
      this.#utilization = since.utilization;
      this.#elu = now;
    }
    return this.#utilization > SATURATED;
  }

  async #endpoint(id: string): Promise<{ endpoint: WebhookEndpoint; secret: string | undefined } | undefined> {
    if (!this.#endpoints.has(id)) {
      const endpoint = await repo.findEndpoint(this.o.db, id);
      this.#endpoints.set(id, endpoint === undefined ? undefined : { endpoint, secret: this.o.box.open(endpoint.secretWrapped) });
    }
    return this.#endpoints.get(id);
  }

  /**
   * One attempt. Returns the receiver's status when it took the delivery (recorded by the round),
   * 'next' when the delivery was given up (the queue goes on), 'stop' when it waits for a retry.
   */
  async #deliver(d: Delivery): Promise<number | 'next' | 'stop'> {
    const found = await this.#endpoint(d.endpointId);
    const [endpoint, secret] = [found?.endpoint, found?.secret];
    const now = this.o.now();
    if (endpoint === undefined || secret === undefined) {
      await repo.markAttemptFailed(this.o.db, d.id, { status: null, error: endpoint === undefined ? 'endpoint deleted' : 'secret unreadable' }, now, undefined);
      this.o.metrics.webhookDeliveries.inc({ outcome: 'abandoned' });
      return 'next';
    }
    let outcome: Awaited<ReturnType<WebhookSender['send']>>;
    try {
      const body = await this.o.render(d.payload);
      outcome = await this.o.sender.send(endpoint.url, secret, d.messageId, body, Math.floor(now / 1000), d.event);
    } catch (err) {
      outcome = { ok: false, status: null, error: `not sent: ${(err as Error).message}` };
    }
    if (outcome.ok) return outcome.status;
    const done = this.o.now();
    const delay = retryDelay(this.o.schedule, d.attempts + 1);
    // ±20% jitter, so many failed deliveries do not come back at one instant.
    const retryAt = delay === undefined ? undefined : done + Math.round(delay * (0.8 + Math.random() * 0.4));
    await repo.markAttemptFailed(this.o.db, d.id, outcome, done, retryAt);
    if (retryAt !== undefined) this.#soonest = Math.min(this.#soonest, retryAt);
    this.o.metrics.webhookDeliveries.inc({ outcome: retryAt === undefined ? 'failed' : 'retrying' });
    return retryAt === undefined ? 'next' : 'stop';
  }
}
