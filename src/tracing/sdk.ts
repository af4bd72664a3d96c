// The OpenTelemetry SDK: a tracer provider with the exporters asked for. Imported only by start.ts,
// dynamically, once tracing is on. The OTLP exporter reads its other standard variables itself
// (endpoint, headers, timeout, compression); the provider reads the sampler's (OTEL_TRACES_SAMPLER).
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from '../config-parts.ts';

/** Registers the global tracer provider (with the async-context manager and W3C propagation); returns its shutdown. */
export function startProvider(settings: TracingSettings, version: string): () => Promise<void> {
  // OTEL_RESOURCE_ATTRIBUTES (and OTEL_SERVICE_NAME, the same name as ours) win over the defaults.
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: version }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const spanProcessors = settings.exporters.map((exporter) =>
    exporter === 'otlp' ? new BatchSpanProcessor(new OTLPTraceExporter()) : new SimpleSpanProcessor(new ConsoleSpanExporter()),
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors });
  provider.register();
  return () => provider.shutdown();
}
