// Prometheus metrics. One registry per app (not prom-client's global one), so several servers can live
// in one process, as they do in tests.
import { performance } from 'node:perf_hooks';
import {
  Counter,
  type CounterConfiguration,
  Gauge,
  Histogram,
  type HistogramConfiguration,
  type LabelValues,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';

/**
 * A prom-client counter whose hottest label sets are counted as plain numbers (`tally(labels)`, bound
 * once), added to it at each scrape. prom-client's `inc` builds a key from the labels on every call;
 * the answers before routing (http/fast-path.ts) count three metrics per request.
 */
function talliedCounter<T extends string>(config: CounterConfiguration<T>) {
  const pending: Array<{ labels: LabelValues<T>; count: number }> = [];
  const counter = new Counter<T>({
    ...config,
    collect() {
      for (const tally of pending) {
        if (tally.count > 0) this.inc(tally.labels, tally.count);
        tally.count = 0;
      }
    },
  });
  return Object.assign(counter, {
    tally(labels: LabelValues<T>): () => void {
      const tally = { labels, count: 0 };
      pending.push(tally);
      return () => {
        tally.count++;
      };
    },
  });
}

const TALLY_BATCH = 256;

/** A prom-client histogram whose hottest label sets keep their observations in a buffer, observed in one loop when it fills and at each scrape. */
function talliedHistogram<T extends string>(config: HistogramConfiguration<T>) {
  const pending: Array<{ labels: LabelValues<T>; values: Float64Array; length: number }> = [];
  const histogram = new Histogram<T>({
    ...config,
    collect() {
      for (const tally of pending) flush(tally);
    },
  });
  const flush = (tally: (typeof pending)[number]) => {
    for (let i = 0; i < tally.length; i++) histogram.observe(tally.labels, tally.values[i] as number);
    tally.length = 0;
  };
  return Object.assign(histogram, {
    tally(labels: LabelValues<T>): (value: number) => void {
      const tally = { labels, values: new Float64Array(TALLY_BATCH), length: 0 };
      pending.push(tally);
      return (value) => {
        tally.values[tally.length++] = value;
        if (tally.length === TALLY_BATCH) flush(tally);
      };
    },
  });
}

export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics !== false) {
    // Among them parley_nodejs_eventloop_lag_seconds (and its _p50/_p90/_p99/_max… summaries).
    collectDefaultMetrics({ register: registry, prefix: 'parley_' });
    eventLoopActivity(registers);
  }
  const messages = talliedCounter({
    name: 'parley_chat_messages_total',
    help: 'Chat message events stored, by kind (sent, replayed, edited, deleted, delivered, read, status)',
    labelNames: ['event'] as const,
    registers,
  });
  const ticketsIssued = talliedCounter({ name: 'parley_tickets_issued_total', help: 'Auth tickets issued', labelNames: ['kind'] as const, registers });
  return {
    registry,
    requests: talliedCounter({
      name: 'parley_http_requests_total',
      help: 'HTTP requests by route, method and outcome (the envelope error code, or "ok")',
      labelNames: ['route', 'method', 'code'] as const,
      registers,
    }),
    duration: talliedHistogram({
      name: 'parley_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['route'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    ticketsIssued,
    /** The returning user's ticket, answered before routing (services/powertalk.ts). */
    powertalkTicketIssued: ticketsIssued.tally({ kind: 'powertalk' }),
    ticketsRedeemed: new Counter({
      name: 'parley_tickets_redeemed_total',
      help: 'Auth tickets redeemed for sessions',
      labelNames: ['kind'] as const,
      registers,
    }),
    refreshes: new Counter({ name: 'parley_token_refreshes_total', help: 'Access-token refreshes', labelNames: ['kind'] as const, registers }),
    revocations: new Counter({
      name: 'parley_session_revocations_total',
      help: 'Sessions ended, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    messages,
    /** A client's message stored (services/messages.ts): counted on every message's way. */
    messageSent: messages.tally({ event: 'sent' }),
    fastPath: talliedCounter({
      name: 'parley_fast_path_requests_total',
      help: 'Requests answered before routing, their credentials being cached (GET /connect?check=1, auth tickets, ticket redemptions), by route',
      labelNames: ['route'] as const,
      registers,
    }),
    sockets: new Gauge({ name: 'parley_sockets', help: 'Open client sockets on this node', registers }),
    connectionsRefused: new Counter({
      name: 'parley_connections_refused_total',
      help: 'TCP connections closed on accept, by cap: total or address',
      labelNames: ['reason'] as const,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'parley_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: delivered, retrying, failed (retries spent), abandoned (endpoint gone)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    webhookQueue: new Gauge({ name: 'parley_webhook_queue_depth', help: 'Webhook deliveries waiting to be sent (all nodes)', registers }),
    webhookOldest: new Gauge({ name: 'parley_webhook_oldest_pending_seconds', help: 'Age of the oldest webhook delivery waiting to be sent', registers }),
    authFailures: new Counter({
      name: 'parley_auth_failures_total',
      help: 'Refused credentials, by error code',
      labelNames: ['code'] as const,
      registers,
    }),
    broker: {
      published: new Counter({
        name: 'parley_broker_messages_published_total',
        help: 'Notes this node published to the broker (Redis or NATS)',
        labelNames: ['broker'] as const,
        registers,
      }),
      received: new Counter({
        name: 'parley_broker_messages_received_total',
        help: 'Notes this node received from other nodes through the broker (its own echoes left out)',
        labelNames: ['broker'] as const,
        registers,
      }),
      publishErrors: new Counter({
        name: 'parley_broker_publish_errors_total',
        help: 'Notes the broker refused or that could not be sent (dropped: nodes refill from the database)',
        labelNames: ['broker'] as const,
        registers,
      }),
    },
  };
}

/**
 * Time the event loop spent working (not waiting), as a counter: rate() of it is the loop's
 * utilisation (0 to 1) over any window, whoever scrapes and however often.
 */
function eventLoopActivity(registers: Registry[]): void {
  let last = performance.eventLoopUtilization();
  new Counter({
    name: 'parley_nodejs_eventloop_active_seconds_total',
    help: 'Seconds the event loop spent running callbacks; rate() of it is the event-loop utilisation',
    registers,
    collect() {
      const now = performance.eventLoopUtilization();
      this.inc(Math.max(0, now.active - last.active) / 1000);
      last = now;
    },
  });
}

/** The PostgreSQL pool right now, read at each scrape. */
export function observePool(metrics: Metrics, stats: () => { total: number; idle: number; waiting: number; max: number }): void {
  const registers = [metrics.registry];
  const gauge = (name: string, help: string, read: (s: ReturnType<typeof stats>) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(stats()));
      },
    });
  gauge('parley_pg_pool_clients', 'PostgreSQL connections open in the pool (idle or in use)', (s) => s.total);
  gauge('parley_pg_pool_idle_clients', 'PostgreSQL connections open and idle', (s) => s.idle);
  gauge('parley_pg_pool_waiting', 'Queries waiting for a PostgreSQL connection (the pool is exhausted while above 0)', (s) => s.waiting);
  gauge('parley_pg_pool_max_clients', 'Size of the PostgreSQL pool (PARLEY_PG_POOL_SIZE)', (s) => s.max);
}

/** SQLite's group commit (storage/batcher.ts): jobs waiting, and jobs per transaction. Returns what to call per batch. */
export function observeWriteBatches(metrics: Metrics, queued: () => number): (jobs: number) => void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'parley_sqlite_write_queue',
    help: 'Write jobs waiting for their SQLite transaction (group commit)',
    registers,
    collect() {
      this.set(queued());
    },
  });
  const sizes = new Histogram({
    name: 'parley_sqlite_write_batch_jobs',
    help: 'Write jobs per SQLite transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers,
  });
  return (jobs) => sizes.observe(jobs);
}

/** PostgreSQL: ticket redemptions, refreshes and new users per statement (storage/turn-batch.ts). Returns what to call per statement. */
export function observeSessionBatches(metrics: Metrics): (operation: 'redeem' | 'refresh' | 'new_user', calls: number) => void {
  const sizes = new Histogram({
    name: 'parley_pg_session_batch_calls',
    help: 'Ticket redemptions, refreshes or new users (their tickets) written by one PostgreSQL statement (one round trip, one commit)',
    labelNames: ['operation'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 200],
    registers: [metrics.registry],
  });
  return (operation, calls) => sizes.observe({ operation }, calls);
}

/** Whether this node's link to the broker is up, read at each scrape. */
export function observeBrokerLink(metrics: Metrics, name: string, connected: () => boolean): void {
  new Gauge({
    name: 'parley_broker_connected',
    help: '1 while the link to the broker (Redis or NATS) is up, 0 while it is down',
    labelNames: ['broker'] as const,
    registers: [metrics.registry],
    collect() {
      this.set({ broker: name }, connected() ? 1 : 0);
    },
  });
}

export type Metrics = ReturnType<typeof createMetrics>;
