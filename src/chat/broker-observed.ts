// A Broker that counts what passes through it and, with tracing on, makes a span of each publish
// (PRODUCER, a child of the request or job that published) and of each note received from another
// node (CONSUMER, a root: notes carry no trace context, they stay as small as they were).
import { ROOT_CONTEXT, SpanKind, type Tracer } from '@opentelemetry/api';
import type { Counter } from 'prom-client';
import type { Broker } from './broker.ts';

export interface BrokerCounters {
  published: Counter<'broker'>;
  received: Counter<'broker'>;
}

/** The notes it counts as received are other nodes': the hub names its own to skip (Broker.subscribe). */
export function observedBroker(broker: Broker, counters: BrokerCounters, tracer?: Tracer): Broker {
  const published = counters.published.labels(broker.name);
  const received = counters.received.labels(broker.name);
  // Incubating OpenTelemetry names (messaging.*), written out: the incubating entry point is not stable.
  const attributes = { 'messaging.system': broker.name, 'messaging.destination.name': 'chat' };
  const publish =
    tracer === undefined
      ? (note: string) => {
          published.inc();
          broker.publish(note);
        }
      : (note: string) => {
          published.inc();
          const span = tracer.startSpan('send chat', {
            kind: SpanKind.PRODUCER,
            attributes: { ...attributes, 'messaging.operation.type': 'send', 'messaging.message.body.size': Buffer.byteLength(note) },
          });
          try {
            broker.publish(note);
          } finally {
            span.end();
          }
        };
  return {
    name: broker.name,
    connected: () => broker.connected(),
    publish,
    mark: () => broker.mark(),
    sentSince: (mark) => broker.sentSince(mark),
    subscribe: (handler, skip) =>
      broker.subscribe((note) => {
        received.inc();
        if (tracer === undefined) return handler(note);
        const receiving = { ...attributes, 'messaging.operation.type': 'process', 'messaging.message.body.size': note.length };
        tracer.startActiveSpan('process chat', { kind: SpanKind.CONSUMER, attributes: receiving }, ROOT_CONTEXT, (span) => {
          try {
            handler(note);
          } finally {
            span.end();
          }
        });
      }, skip),
    close: () => broker.close(),
  };
}
