import { selectTier } from '../services/projects.ts';
import { type Command, parseFlags, requireFlag, withDeps } from './context.ts';
import { parseTier } from './project-create.ts';

export const tierSelect: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { project: { type: 'string' }, tier: { type: 'string' } });
  const projectId = requireFlag(values.project, 'project');
  const tier = parseTier(requireFlag(values.tier, 'tier'));
  await withDeps(ctx, values.database, (deps) => selectTier(deps, projectId, tier));
  ctx.io.out(`Project ${projectId} now has tier ${tier}`);
  return 0;
};
