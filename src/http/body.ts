// Request bodies are parsed as JSON whatever their Content-Type: TapTalk's SDKs send `text/plain`
// or no type at all. A body that is not JSON becomes MALFORMED_JSON for the handler to report.
import type { FastifyInstance } from 'fastify';

export const MALFORMED_JSON: unique symbol = Symbol('malformed JSON');

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    // JSON.parse creates `__proto__` as a plain own property; handlers only read known fields.
    return JSON.parse(text);
  } catch {
    return MALFORMED_JSON;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body as received (what an Idempotency-Key's request is recognised by). */
    rawBody: string | undefined;
  }
}

export function registerBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.decorateRequest('rawBody', undefined);
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    done(null, parseJsonBody(body as string));
  });
}
