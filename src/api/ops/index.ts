// Operations endpoints: liveness, readiness, Prometheus metrics. No credentials: expose them only to
// your infrastructure (docs/operations.md).
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { errorHandler } from '../../http/errors.ts';
import { STRING, describeRoute, object } from '../../http/openapi.ts';
import { migrationsCurrent } from '../../storage/migrate.ts';

export async function opsApi(app: FastifyInstance, deps: Deps): Promise<void> {
  app.setErrorHandler(errorHandler('status'));

  const schema = (summary: string, data: Record<string, unknown> = { type: 'object' }) =>
    describeRoute({ summary, realm: 'ops', data });

  // GET /healthz — the process is up and serving.
  app.get('/healthz', { schema: schema('Liveness', object({ status: STRING })) }, async () => ok({ status: 'ok' }));

  // GET /readyz — the database answers and every migration has run.
  app.get('/readyz', { schema: schema('Readiness: database reachable, migrations current', object({ status: STRING, database: STRING })) }, async (request) => {
    let current: boolean;
    try {
      await sql`select 1`.execute(deps.db);
      current = await migrationsCurrent(deps.db);
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      throw new ApiError('ServiceUnavailable', { message: 'Database unreachable' });
    }
    if (!current) throw new ApiError('ServiceUnavailable', { message: 'Database migrations pending' });
    return ok({ status: 'ready', database: deps.dialect });
  });

  // GET /metrics — Prometheus text format.
  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text format)', tags: ['ops'] } }, async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  // GET /openapi.json — this API, generated from the route schemas.
  app.get('/openapi.json', { schema: { summary: 'OpenAPI 3 document of every endpoint', tags: ['ops'] } }, async () => app.swagger());
}
