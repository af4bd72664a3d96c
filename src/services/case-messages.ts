// What is said in a case's room: the visitor's and agents' messages, and OneTalk's case system
// messages (3001 closed … 3007 details updated), whose `data` is the case as clients read it.
import type { Deps } from '../deps.ts';
import type { Case } from '../repos/cases.ts';
import { caseContext, caseRoomId, caseView } from './case-views.ts';
import { sendServerMessage } from './server-messages.ts';

/** OneTalk's chat message types for cases ([AND] Const/TTLConstant.kt). */
export const CASE_MESSAGE = {
  closed: 3001,
  reopened: 3002,
  reviewRequest: 3003,
  reviewSubmitted: 3004,
  created: 3005,
  agentChanged: 3006,
  detailsUpdated: 3007,
} as const;

const TEXT: Record<keyof typeof CASE_MESSAGE, string> = {
  closed: 'Case closed',
  reopened: 'Case reopened',
  reviewRequest: 'Please rate this conversation',
  reviewSubmitted: 'Review submitted',
  created: 'Case created',
  agentChanged: 'Agent changed',
  detailsUpdated: 'Case details updated',
};

/** Sends a case system message from `senderId` (the chat user whose action it reports). */
export async function sendCaseEvent(deps: Deps, c: Case, kind: keyof typeof CASE_MESSAGE, senderId: number): Promise<void> {
  const view = caseView(c, await caseContext(deps.db, c.projectId, [c]));
  const text = kind === 'agentChanged' && view.agentFullName !== '' ? `${view.agentFullName} joined the conversation` : TEXT[kind];
  await sendServerMessage(deps, c.projectId, caseRoomId(c.id), senderId, { type: CASE_MESSAGE[kind], text, data: view });
}

/** Chat message types of `send_message`'s messageType ([AND] TTLSendMessageRequest). */
export const MESSAGE_TYPES = { text: 1001, image: 1002, video: 1003, file: 1004 } as const;
export type MessageKind = keyof typeof MESSAGE_TYPES;

export interface CaseMessage {
  kind: MessageKind;
  text: string;
  localID?: string;
  /** For media: the uploaded file (through the chat SDK) and its caption. */
  media?: { fileURL: string; caption: string; filename: string };
}

/** Stores a message of a case's participant in the case's room; the same localID again is a replay. */
export async function sendCaseMessage(deps: Deps, c: Case, senderId: number, message: CaseMessage) {
  const media = message.media;
  return sendServerMessage(deps, c.projectId, caseRoomId(c.id), senderId, {
    type: MESSAGE_TYPES[message.kind],
    text: message.text,
    ...(media === undefined ? {} : { data: { url: media.fileURL, fileURL: media.fileURL, caption: media.caption, fileName: media.filename } }),
    ...(message.localID === undefined ? {} : { localID: message.localID }),
  });
}
