// `parley chat --project P --user XC (--to XC | --room ID) [--name N] [--url URL] [--json]`: chat as a
// user of the project from a terminal (docs/operations.md, "parley chat").
import { resolveProject } from '../services/projects.ts';
import { operatorChatTicket } from '../services/operator-chat.ts';
import { runChat } from './chat-session.ts';
import { type Command, UsageError, parseFlags, requireFlag, withDeps } from './context.ts';

const XC_USER_ID_MAX = 50;

export const chat: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, {
    url: { type: 'string' },
    project: { type: 'string' },
    user: { type: 'string' },
    name: { type: 'string' },
    to: { type: 'string' },
    room: { type: 'string' },
    json: { type: 'boolean' },
  });
  const project = requireFlag(values.project, 'project');
  const user = requireFlag(values.user, 'user');
  if ((values.to === undefined) === (values.room === undefined)) throw new UsageError('give one of --to XC_USER_ID or --room ROOM_ID');
  const to = values.to === undefined ? undefined : requireFlag(values.to, 'to');
  const target = to === undefined ? { room: requireFlag(values.room, 'room') } : { to };
  if (user.length > XC_USER_ID_MAX || (to?.length ?? 0) > XC_USER_ID_MAX) {
    throw new UsageError(`--user and --to are xcUserIDs of at most ${XC_USER_ID_MAX} characters`);
  }
  const name = values.name === undefined ? undefined : requireFlag(values.name, 'name');
  if (name !== undefined && name.length > 250) throw new UsageError('--name must be at most 250 characters');
  const url = values.url ?? 'http://127.0.0.1:8080';
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--url must be an http:// or https:// address, got "${url}"`);
  const start = await withDeps(ctx, values.database, async (deps) => operatorChatTicket(deps, await resolveProject(deps, project), user, name));
  return runChat(
    { url, appKeyID: start.key.appKeyID, appKeySecret: start.key.appKeySecret, ticket: start.ticket, target, json: values.json === true },
    ctx.io,
    ctx.stdin ?? process.stdin,
  );
};
