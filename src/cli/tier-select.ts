import { resolveProject, selectTier } from '../services/projects.ts';
import { type Command, parseFlags, requireFlag, withDeps } from './context.ts';
import { parseTier } from './project-create.ts';

export const tierSelect: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { project: { type: 'string' }, tier: { type: 'string' } });
  const project = requireFlag(values.project, 'project');
  const tier = parseTier(requireFlag(values.tier, 'tier'));
  const projectId = await withDeps(ctx, values.database, async (deps) => {
    const id = await resolveProject(deps, project);
    await selectTier(deps, id, tier);
    return id;
  });
  ctx.io.out(`Project ${projectId} now has tier ${tier}`);
  return 0;
};
