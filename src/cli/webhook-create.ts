import { resolveProject } from '../services/projects.ts';
import { createEndpoint, parseEvents } from '../services/webhooks.ts';
import { type Command, parseFlags, printJson, requireFlag, withDeps } from './context.ts';

/** `parley webhook create --project P --url U [--events E,…] [--json]` (P: an id or a name): the secret is shown once. */
export const webhookCreate: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { project: { type: 'string' }, url: { type: 'string' }, events: { type: 'string' }, json: { type: 'boolean' } });
  const project = requireFlag(values.project, 'project');
  const url = requireFlag(values.url, 'url');
  const endpoint = await withDeps(ctx, values.database, async (deps) =>
    createEndpoint(deps, await resolveProject(deps, project), url, parseEvents(values.events)),
  );
  if (values.json) printJson(ctx.io, endpoint);
  else {
    ctx.io.out(`Webhook ${endpoint.id} → ${endpoint.url}`);
    ctx.io.out(`  events: ${endpoint.events.join(', ')}`);
    ctx.io.out(`  signing secret (shown only now): ${endpoint.secret}`);
  }
  return 0;
};
