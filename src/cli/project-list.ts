import { listProjects } from '../services/projects.ts';
import { type Command, parseFlags, printJson, withDeps } from './context.ts';

export const projectList: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { json: { type: 'boolean' } });
  const projects = await withDeps(ctx, values.database, (deps) => listProjects(deps));
  const rows = projects.map((p) => ({ projectID: p.id, name: p.name, tier: p.tier, created: p.createdAt }));
  if (values.json) printJson(ctx.io, rows);
  else if (rows.length === 0) ctx.io.out('No projects yet. Create one with: parley project create --name NAME --tier free');
  else for (const r of rows) ctx.io.out(`${r.projectID}  ${r.name}  tier ${r.tier ?? 'none'}  created ${new Date(r.created).toISOString()}`);
  return 0;
};
