// The password comes from standard input (its first line), never from a flag: flags show in `ps`.
import { createAgent } from '../services/livechat-setup.ts';
import { resolveProject } from '../services/projects.ts';
import { type Command, UsageError, parseFlags, printJson, requireFlag, withDeps } from './context.ts';

function topicIds(text: string | undefined): number[] {
  if (text === undefined) return [];
  return text.split(',').map((part) => {
    const id = Number(part.trim());
    if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`--topics takes topic ids separated by commas, not "${part}"`);
    return id;
  });
}

export const agentCreate: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, {
    project: { type: 'string' },
    email: { type: 'string' },
    name: { type: 'string' },
    topics: { type: 'string' },
    json: { type: 'boolean' },
  });
  const project = requireFlag(values.project, 'project');
  const email = requireFlag(values.email, 'email');
  const fullName = requireFlag(values.name, 'name');
  const topics = topicIds(values.topics);
  const password = ((await ctx.io.input?.()) ?? '').split(/\r?\n/)[0] ?? '';
  if (password === '') throw new UsageError('give the password on standard input (e.g. `read -rs P; printf "%s\\n" "$P" | parley agent create …`)');
  const agent = await withDeps(ctx, values.database, async (deps) =>
    createAgent(deps, await resolveProject(deps, project), { email, fullName, password, topicIds: topics }),
  );
  const view = {
    id: agent.id,
    email: agent.email,
    fullName: agent.fullName,
    projectID: agent.projectId,
    topicIDs: agent.topicIds,
    userID: String(agent.userId),
  };
  if (values.json) printJson(ctx.io, view);
  else
    ctx.io.out(`Agent ${agent.id}: ${agent.fullName} <${agent.email}>, ${agent.topicIds.length === 0 ? 'every topic' : `topics ${agent.topicIds.join(', ')}`}`);
  return 0;
};
