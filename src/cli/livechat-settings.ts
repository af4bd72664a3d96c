import { updateSettings } from '../services/livechat-setup.ts';
import { resolveProject } from '../services/projects.ts';
import { type Command, UsageError, parseFlags, printJson, requireFlag, withDeps } from './context.ts';

/** Shows the project's launcher settings, changing those given first. */
export const livechatSettings: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, {
    project: { type: 'string' },
    colour: { type: 'string' },
    color: { type: 'string' },
    'max-open-cases': { type: 'string' },
    json: { type: 'boolean' },
  });
  const project = requireFlag(values.project, 'project');
  const hexColor = values.colour ?? values.color;
  const max = values['max-open-cases'];
  if (max !== undefined && !/^\d+$/.test(max)) throw new UsageError('--max-open-cases takes a whole number (0: unlimited)');
  const change = { ...(hexColor === undefined ? {} : { hexColor }), ...(max === undefined ? {} : { maxOpenCases: Number(max) }) };
  const settings = await withDeps(ctx, values.database, async (deps) => updateSettings(deps, await resolveProject(deps, project), change));
  if (values.json) printJson(ctx.io, settings);
  else ctx.io.out(`Launcher colour ${settings.hexColor}; most open cases per visitor: ${settings.maxOpenCases === 0 ? 'unlimited' : settings.maxOpenCases}`);
  return 0;
};
