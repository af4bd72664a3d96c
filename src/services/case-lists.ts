// Cases as the visitor's list shows them: each with its room's newest message (as the chat SDK reads
// it on the socket, still encrypted) and the visitor's unread count.
import type { Deps } from '../deps.ts';
import type { Case } from '../repos/cases.ts';
import { unreadCountsIn } from '../repos/cases.ts';
import * as messages from '../repos/messages.ts';
import { caseContext, caseRoomId, caseView } from './case-views.ts';
import { viewsFor } from './message-lists.ts';

export async function visitorCaseViews(deps: Deps, projectId: string, list: Case[], withRoom: boolean) {
  const ctx = await caseContext(deps.db, projectId, list);
  const views = list.map((c) => caseView(c, ctx));
  if (!withRoom || list.length === 0) return views;
  const userId = (list[0] as Case).userId;
  const actor = { projectId, userId };
  const unread = await unreadCountsIn(
    deps.db,
    projectId,
    userId,
    list.map((c) => caseRoomId(c.id)),
  );
  const out = [];
  for (const [i, c] of list.entries()) {
    const newest = await messages.listBefore(deps.db, projectId, caseRoomId(c.id), userId, 0, 1);
    const [lastMessage] = await viewsFor(deps, actor, newest);
    out.push({ ...views[i], tapTalkRoom: { lastMessage: lastMessage ?? null, unreadCount: unread.get(caseRoomId(c.id)) ?? 0 } });
  }
  return out;
}
