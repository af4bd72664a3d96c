import { createKey, resolveProject } from '../services/projects.ts';
import type { KeyType } from '../storage/schema.ts';
import { type Command, UsageError, parseFlags, printJson, requireFlag, withDeps } from './context.ts';

/** `livechat` is an app key presented differently: Live Chat clients send its secret alone (`Secret-Key`). */
const TYPES: readonly string[] = ['server', 'api', 'app', 'livechat'];

export const keyCreate: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { project: { type: 'string' }, type: { type: 'string' }, json: { type: 'boolean' } });
  const projectId = requireFlag(values.project, 'project');
  const asked = requireFlag(values.type, 'type');
  if (!TYPES.includes(asked)) throw new UsageError(`--type must be one of: ${TYPES.join(', ')}`);
  const type = (asked === 'livechat' ? 'app' : asked) as KeyType;
  const key = await withDeps(ctx, values.database, async (deps) => createKey(deps, await resolveProject(deps, projectId), type));
  if (key.type === 'api') {
    if (values.json) printJson(ctx.io, { id: key.id, apiKey: key.key });
    else ctx.io.out(`API-Key (shown only now): ${key.key}`);
  } else if (asked === 'livechat') {
    if (values.json) printJson(ctx.io, { id: key.id, secretKey: key.secret, header: key.header });
    else {
      ctx.io.out(`Live Chat Secret-Key (shown only now): ${key.secret}`);
      ctx.io.out(`    (an app key: id ${key.id}; the chat SDK's App-Key header is ${key.header})`);
    }
  } else if (values.json) {
    printJson(ctx.io, { id: key.id, secret: key.secret, header: key.header });
  } else {
    const header = key.type === 'server' ? 'Server-Key' : 'App-Key';
    ctx.io.out(`${header} header (shown only now): ${key.header}`);
    ctx.io.out(`    (id ${key.id}, secret ${key.secret})`);
  }
  return 0;
};
