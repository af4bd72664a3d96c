import { createTopic } from '../services/livechat-setup.ts';
import { resolveProject } from '../services/projects.ts';
import { type Command, parseFlags, printJson, requireFlag, withDeps } from './context.ts';

export const topicCreate: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { project: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } });
  const project = requireFlag(values.project, 'project');
  const name = requireFlag(values.name, 'name');
  const topic = await withDeps(ctx, values.database, async (deps) => createTopic(deps, await resolveProject(deps, project), name));
  if (values.json) printJson(ctx.io, { id: topic.id, name: topic.name, projectID: topic.projectId });
  else ctx.io.out(`Topic ${topic.id}: ${topic.name}`);
  return 0;
};
