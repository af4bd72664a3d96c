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

export function registerBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseJsonBody(body as string));
  });
}
