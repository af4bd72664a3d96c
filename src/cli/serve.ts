import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config.ts';
import { createDeps } from '../compose.ts';
import type { Deps } from '../deps.ts';
import { createLogger } from '../logging.ts';
import { buildServer } from '../server.ts';
import { type DemoLivechat, ensureDemoLivechat } from '../services/demo-livechat.ts';
import { ensureDefaultProject } from '../services/projects.ts';
import { type Tracing, startTracing } from '../tracing/start.ts';
import { VERSION } from '../version.ts';
import { type Command, type Output, parseFlags } from './context.ts';
import { printCreatedProject } from './project-create.ts';

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * How to play both sides of Live Chat. The demo agent's password is printed at every start (to stdout,
 * never through the logger): the demo keeps it sealed so that a new user who restarts still can sign in.
 */
function printDemoLivechat(io: Output, base: string, livechat: DemoLivechat | undefined): void {
  if (livechat === undefined) {
    io.out(`Live Chat agents: open ${base}/inbox and sign in (create agents with \`parley agent create\`).`);
    return;
  }
  io.out(`Live Chat: play a visitor at ${base}/demo?tab=livechat, and answer as the agent in another tab at ${base}/inbox`);
  const password = livechat.password ?? '(the one chosen when this agent was created: the demo does not hold it)';
  io.out(`  Agent sign-in: project ${livechat.project}, email ${livechat.email}, password ${password}`);
  io.out(`  Topics: ${livechat.topics.join(', ')}`);
}

/** Serves until SIGINT or SIGTERM, then finishes in-flight requests and exits 0. */
export const serve: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, {
    host: { type: 'string' },
    port: { type: 'string' },
    bootstrap: { type: 'boolean' },
    demo: { type: 'boolean' },
  });
  // --demo wins over PARLEY_DEMO, as every flag wins over the environment.
  const env = values.demo ? { ...ctx.env, PARLEY_DEMO: 'true' } : ctx.env;
  const config = loadConfig(env, { databaseUrl: values.database, host: values.host, port: values.port });
  const logger = createLogger(config.logLevel);
  // Before anything else is built, so the database, the broker and the server all get the tracer.
  const tracing: Tracing | undefined = config.tracing === undefined ? undefined : await startTracing(config.tracing, VERSION, logger);
  let deps: Deps;
  try {
    deps = await createDeps(config, { logger, tracer: tracing?.tracer });
  } catch (err) {
    await tracing?.shutdown();
    throw err;
  }
  // Any failure before listening closes what is open: an open pool or Redis client would keep the process alive.
  let app: FastifyInstance | undefined;
  let livechat: DemoLivechat | undefined;
  try {
    if (values.bootstrap) {
      const created = await ensureDefaultProject(deps);
      if (created) {
        ctx.io.out('First run: created the project "default".');
        printCreatedProject(ctx.io, created);
      }
    }
    // With the demo, Live Chat is playable at once: a topic and an agent in the demo's project.
    if (config.demo) livechat = await ensureDemoLivechat(deps);
    app = await buildServer(deps, {
      bodyLimit: config.bodyLimit,
      trustProxy: config.trustProxy,
      requestTimeout: config.requestTimeout,
      maxConnections: config.maxConnections,
      maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    });
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app?.close();
    await deps.close();
    await tracing?.shutdown();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  ctx.io.out(`Parley listening on http://${config.host}:${port} (database: ${deps.dialect})`);
  if (config.demo) {
    ctx.io.out(`Demo on: open http://${config.host}:${port}/demo in two tabs and sign in as two people.`);
    ctx.io.out('  It hands out auth tickets to anyone who asks: never turn it on in production.');
    printDemoLivechat(ctx.io, `http://${config.host}:${port}`, livechat);
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      deps.logger.info({ signal }, 'shutting down');
      // Connections that stay busy past the grace period (a client trickling a body) are cut.
      const force = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      force.unref();
      app
        .close()
        .then(() => deps.close())
        // The spans of the last requests (and of the shutdown) are exported before the process ends.
        .then(() => tracing?.shutdown())
        .then(
          () => resolve(0),
          (err: unknown) => {
            deps.logger.error({ err }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
};
