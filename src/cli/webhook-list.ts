import { listEndpoints } from '../repos/webhooks.ts';
import { resolveProject } from '../services/projects.ts';
import { type Command, parseFlags, printJson, requireFlag, withDeps } from './context.ts';

/** `parley webhook list --project P [--json]`: never the secrets. */
export const webhookList: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { project: { type: 'string' }, json: { type: 'boolean' } });
  const project = requireFlag(values.project, 'project');
  const [projectId, endpoints] = await withDeps(ctx, values.database, async (deps) => {
    const id = await resolveProject(deps, project);
    return [id, await listEndpoints(deps.db, id)] as const;
  });
  const rows = endpoints.map((e) => ({ id: e.id, url: e.url, events: e.events, created: e.createdAt }));
  if (values.json) printJson(ctx.io, rows);
  else if (rows.length === 0) ctx.io.out(`No webhooks for project ${projectId}`);
  else for (const r of rows) ctx.io.out(`${r.id}  ${r.url}  ${r.events.join(',')}  created ${new Date(r.created).toISOString()}`);
  return 0;
};
