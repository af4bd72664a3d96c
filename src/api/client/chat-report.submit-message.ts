// POST /v1/client/chat_report/submit_message — {messageID, roomID, category, isOtherCategory, reason}
// → {success, message}. Only a participant may report a message of the room (40301); a message of
// another room 40403; one's own message 40002.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { reportMessage } from '../../services/reports.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE } from './chat-params.ts';
import { REPORT_RULES, SUBMITTED, reportBody, reportInput } from './chat-report.submit-user.ts';

const RULES = [{ name: 'messageID', field: 'messageID', label: 'Message ID', required: true, max: 20 }, ROOM_ID_RULE, ...REPORT_RULES] as const;

export function chatReportSubmitMessage(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/chat_report/submit_message',
    schema: describeRoute({ summary: 'Report a message to the operator', realm: 'client', body: reportBody(RULES), data: SUBMITTED }),
    handler: async (request) => {
      const raw = clientBody(request.body);
      const body = typeof raw.messageID === 'number' ? { ...raw, messageID: String(raw.messageID) } : raw;
      const { messageID, roomID } = validate(body, RULES, POWERTALK_MESSAGES);
      return ok(await reportMessage(deps, chatActorOf(request), roomID, messageID, reportInput(body)));
    },
  };
}
