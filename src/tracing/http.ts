// One SERVER span per HTTP request that reaches Fastify, made through @opentelemetry/api. The span is
// started where Node hands the request over (server.ts's serverFactory) and made the active context
// of everything the request does (its body's events included), so database and broker spans are its
// children. Fastify names it after the route template once routed. Used only when tracing is on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, context, propagation, trace } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Traced {
  span: Span;
  request?: FastifyRequest;
}

export interface RequestTracing {
  /** Wraps the server's request handler: a span per request, active while the request is handled. */
  wrap(handler: Handler): Handler;
  /** Fastify hooks that name the span after its route. */
  hooks(app: FastifyInstance): void;
}

export function traceRequests(tracer: Tracer): RequestTracing {
  const traced = new WeakMap<IncomingMessage, Traced>();
  return {
    wrap: (handler) => (req, res) => {
      // A caller's traceparent makes the request part of its trace.
      const parent = propagation.extract(ROOT_CONTEXT, req.headers);
      const method = req.method ?? 'HTTP';
      const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method } }, parent);
      const entry: Traced = { span };
      traced.set(req, entry);
      const active = trace.setSpan(parent, span);
      // Body chunks and the response's events arrive from the socket, outside this call: bind them.
      context.bind(active, req);
      context.bind(active, res);
      res.once('close', () => {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
        const code = entry.request?.outcome;
        // The envelope's error code: most refusals are 4xx, and the SDK paths answer them with 200.
        if (code !== undefined && code !== '') span.setAttribute('parley.error_code', code);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        if (!res.writableFinished) span.setAttribute('parley.aborted', true);
        span.end();
      });
      context.with(active, () => handler(req, res));
    },
    hooks(app) {
      app.addHook('onRequest', async (request) => {
        const entry = traced.get(request.raw);
        if (entry === undefined) return;
        entry.request = request;
        const route = request.routeOptions.url;
        if (route === undefined) return;
        entry.span.updateName(`${request.method} ${route}`);
        entry.span.setAttribute(ATTR_HTTP_ROUTE, route);
      });
    },
  };
}
