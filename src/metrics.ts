// Prometheus metrics. One registry per app (not prom-client's global one), so several servers can live
// in one process, as they do in tests.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'parley_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'parley_http_requests_total',
      help: 'HTTP requests by route, method and outcome (the envelope error code, or "ok")',
      labelNames: ['route', 'method', 'code'] as const,
      registers,
    }),
    duration: new Histogram({
      name: 'parley_http_request_duration_seconds',
      help: 'HTTP request latency by route',
      labelNames: ['route'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    ticketsIssued: new Counter({ name: 'parley_tickets_issued_total', help: 'Auth tickets issued', labelNames: ['kind'] as const, registers }),
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
    messages: new Counter({
      name: 'parley_chat_messages_total',
      help: 'Chat message events stored, by kind (sent, replayed, edited, deleted, delivered, read, status)',
      labelNames: ['event'] as const,
      registers,
    }),
    fastPath: new Counter({
      name: 'parley_fast_path_requests_total',
      help: 'GET /connect?check=1 answered before routing, everything it needs being cached',
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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
