import { createKey, resolveProject } from '../services/projects.ts';
import type { KeyType } from '../storage/schema.ts';
import { type Command, UsageError, parseFlags, printJson, requireFlag, withDeps } from './context.ts';

const TYPES: readonly KeyType[] = ['server', 'api', 'app'];

export const keyCreate: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { project: { type: 'string' }, type: { type: 'string' }, json: { type: 'boolean' } });
  const projectId = requireFlag(values.project, 'project');
  const type = requireFlag(values.type, 'type') as KeyType;
  if (!TYPES.includes(type)) throw new UsageError(`--type must be one of: ${TYPES.join(', ')}`);
  const key = await withDeps(ctx, values.database, async (deps) => createKey(deps, await resolveProject(deps, projectId), type));
  if (key.type === 'api') {
    if (values.json) printJson(ctx.io, { id: key.id, apiKey: key.key });
    else ctx.io.out(`API-Key (shown only now): ${key.key}`);
  } else if (values.json) {
    printJson(ctx.io, { id: key.id, secret: key.secret, header: key.header });
  } else {
    const header = key.type === 'server' ? 'Server-Key' : 'App-Key';
    ctx.io.out(`${header} header (shown only now): ${key.header}`);
    ctx.io.out(`    (id ${key.id}, secret ${key.secret})`);
  }
  return 0;
};
