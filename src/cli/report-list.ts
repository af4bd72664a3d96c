// `parley report list --project P [--limit N] [--json]`: what users reported (chat_report/submit_*),
// newest first, for the operator to act on. Users are named by their xcUserID (the operator's own ids).
import { resolveProject } from '../services/projects.ts';
import { listReports } from '../services/reports.ts';
import { type Command, UsageError, parseFlags, printJson, requireFlag, withDeps } from './context.ts';

export const reportList: Command = async (ctx) => {
  const { values } = parseFlags(ctx.args, { project: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } });
  const project = requireFlag(values.project, 'project');
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError('--limit must be an integer from 1 to 100000');
  const [projectId, reports] = await withDeps(ctx, values.database, async (deps) => {
    const id = await resolveProject(deps, project);
    return [id, await listReports(deps, id, limit)] as const;
  });
  const rows = reports.map((r) => ({
    id: r.id,
    created: new Date(r.createdAt).toISOString(),
    about: r.messageId === null ? 'user' : 'message',
    reporter: { userID: String(r.reporterId), xcUserID: r.reporterXcUserID },
    reported: { userID: String(r.reportedUserId), xcUserID: r.reportedXcUserID },
    roomID: r.roomId,
    messageID: r.messageId === null ? null : String(r.messageId),
    category: r.category,
    isOtherCategory: r.isOtherCategory,
    reason: r.reason,
  }));
  if (values.json) printJson(ctx.io, rows);
  else if (rows.length === 0) ctx.io.out(`No reports for project ${projectId}`);
  else {
    for (const r of rows) {
      const what = r.about === 'user' ? 'user' : `message ${r.messageID} in room ${r.roomID}`;
      // JSON-quoted: a reason is free text from a client and could hold line breaks or escapes.
      ctx.io.out(
        `#${r.id}  ${r.created}  ${r.reporter.xcUserID} (${r.reporter.userID}) reported ${what} of ${r.reported.xcUserID} (${r.reported.userID})  category ${JSON.stringify(r.category)}${r.isOtherCategory ? ' (other)' : ''}  reason ${JSON.stringify(r.reason)}`,
      );
    }
  }
  return 0;
};
