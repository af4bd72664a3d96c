import { listKeys, resolveProject } from '../services/projects.ts';
import { type Command, parseFlags, printJson, requireFlag, withDeps } from './context.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const keyList: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { project: { type: 'string' }, json: { type: 'boolean' } });
  const project = requireFlag(values.project, 'project');
  // A mistyped id or name is an error, not "no keys".
  const [projectId, keys] = await withDeps(ctx, values.database, async (deps) => {
    const id = await resolveProject(deps, project);
    return [id, await listKeys(deps, id)] as const;
  });
  // Never secrets: only what identifies a key and its history.
  const rows = keys.map((k) => ({ id: k.id, type: k.type, created: k.createdAt, lastUsed: k.lastUsedAt, revoked: k.revokedAt }));
  if (values.json) printJson(ctx.io, rows);
  else if (rows.length === 0) ctx.io.out(`No keys for project ${projectId}`);
  else {
    for (const r of rows) {
      const state = r.revoked === null ? 'active' : `revoked ${iso(r.revoked)}`;
      ctx.io.out(`${r.id}  ${r.type.padEnd(6)}  ${state}  created ${iso(r.created)}  last used ${iso(r.lastUsed) ?? 'never'}`);
    }
  }
  return 0;
};
