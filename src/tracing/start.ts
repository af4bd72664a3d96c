// Tracing, when the OTEL_* variables ask for it (config-parts.ts, parseTracing). The SDK is loaded
// here, by a dynamic import, and only then: with tracing off nothing of it is in the process, and no
// seam of the app is instrumented at all (they get no tracer), so the hot paths pay nothing.
import { DiagLogLevel, type Tracer, diag, trace } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import type { TracingSettings } from '../config-parts.ts';

export interface Tracing {
  readonly tracer: Tracer;
  /** Exports the spans still buffered, then stops (graceful shutdown). */
  shutdown(): Promise<void>;
}

export async function startTracing(settings: TracingSettings, version: string, logger: FastifyBaseLogger): Promise<Tracing> {
  // The SDK's own complaints (an unreachable collector, a refused export) go to our log, once each.
  const said = new Set<string>();
  const warn = (message: string) => {
    if (said.size < 100 && !said.has(message)) {
      said.add(message);
      logger.warn({ err: { message } }, 'tracing');
    }
  };
  diag.setLogger({ error: warn, warn, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  const { startProvider } = await import('./sdk.ts');
  const stop = startProvider(settings, version);
  logger.info({ exporters: settings.exporters, service: settings.serviceName }, 'tracing on');
  return {
    tracer: trace.getTracer('parley', version),
    shutdown: async () => {
      await stop().catch((err: Error) => warn(err.message));
      diag.disable();
    },
  };
}
