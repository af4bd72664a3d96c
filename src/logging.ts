import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import type { Config } from './config.ts';

/** Header names whose values are secrets: never logged. */
export const SECRET_HEADERS = ['server-key', 'api-key', 'app-key', 'authorization', 'secret-key'];

// Query parameters that may carry credentials (the SDK's WebSocket URL does): any whose name speaks of
// a token, key, secret, ticket, password, signature or authorization (access_token, app_key, …).
const SECRET_QUERY = /([?&][^=&#]*(?:auth|token|key|secret|ticket|pass|sig|session)[^=&#]*=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}

interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
  id?: string;
}

export function createLogger(level: Config['logLevel'], destination?: pino.DestinationStream): FastifyBaseLogger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: SECRET_HEADERS.map((h) => `req.headers["${h}"]`), censor: '[redacted]' },
    serializers: {
      req: (req: LoggedRequest) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
