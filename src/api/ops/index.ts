// Operations endpoints: liveness, readiness, Prometheus metrics. No credentials: expose them only to
// your infrastructure (docs/operations.md).
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { errorHandler } from '../../http/errors.ts';
import { STRING, describeRoute, object } from '../../http/openapi.ts';
import { migrationsCurrent } from '../../storage/migrate.ts';
import { VERSION } from '../../version.ts';

export async function opsApi(app: FastifyInstance, deps: Deps): Promise<void> {
  app.setErrorHandler(errorHandler('status'));

  const schema = (summary: string, data: Record<string, unknown> = { type: 'object' }) => describeRoute({ summary, realm: 'ops', data });

  // Probes and scrapes come every few seconds: their requests are not logged (warnings still are).
  const quiet = { logLevel: 'warn' } as const;

  // GET /healthz — the process is up and serving, and which version it runs.
  app.get('/healthz', { ...quiet, schema: schema('Liveness', object({ status: STRING, version: STRING })) }, async () =>
    ok({ status: 'ok', version: VERSION }),
  );

  // GET /readyz — the database answers within its deadline, every migration has run, and the file is
  // not known to be damaged. Bounded, so a hung database answers 503 in time for the orchestrator.
  app.get(
    '/readyz',
    { ...quiet, schema: schema('Readiness: database reachable, migrations current', object({ status: STRING, database: STRING })) },
    async (request) => {
      if (deps.dbHealth.damaged !== undefined) throw new ApiError('ServiceUnavailable', { message: 'Database damaged' });
      let current: boolean;
      try {
        current = await withDeadline(checkDatabase(deps), deps.readyTimeout);
      } catch (err) {
        request.log.warn({ err: { code: (err as { code?: unknown }).code, message: (err as Error).message } }, 'readiness check failed');
        throw new ApiError('ServiceUnavailable', { message: 'Database unreachable' });
      }
      if (!current) throw new ApiError('ServiceUnavailable', { message: 'Database migrations pending' });
      return ok({ status: 'ready', database: deps.dialect });
    },
  );

  // GET /metrics — Prometheus text format.
  app.get('/metrics', { ...quiet, schema: { summary: 'Prometheus metrics (text format)', tags: ['ops'] } }, async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  // GET /openapi.json — this API, generated from the route schemas.
  app.get('/openapi.json', { schema: { summary: 'OpenAPI 3 document of every endpoint', tags: ['ops'] } }, async () => app.swagger());
}

async function checkDatabase(deps: Deps): Promise<boolean> {
  await sql`select 1`.execute(deps.db);
  return migrationsCurrent(deps.db);
}

/** `work`, or a rejection once `ms` have passed; `work` goes on alone and its late failure is ignored. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  work.catch(() => {});
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
