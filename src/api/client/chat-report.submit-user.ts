// POST /v1/client/chat_report/submit_user — {userID, category, isOtherCategory, reason} →
// {success, message}. Kept for the operator (`parley report list`); unknown user 40401, oneself 40002.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { type ReportInput, reportUser } from '../../services/reports.ts';
import { type FieldRule, POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { boolParam } from './chat-params.ts';

/** What a report says: a category (the SDKs offer a fixed list, or "other") and a free reason. */
export const REPORT_RULES = [
  { name: 'category', field: 'category', label: 'Category', required: true, max: 100 },
  { name: 'reason', field: 'reason', label: 'Reason', required: false, max: 2000 },
] as const satisfies readonly FieldRule[];

export function reportBody(rules: readonly FieldRule[]) {
  const body = bodyFromRules(rules);
  return { ...body, properties: { ...(body.properties as object), isOtherCategory: BOOLEAN } };
}

export function reportInput(body: Record<string, unknown>): ReportInput {
  const { category, reason } = validate(body, REPORT_RULES, POWERTALK_MESSAGES);
  return { category, reason: reason ?? '', isOtherCategory: boolParam(body, 'isOtherCategory', false) };
}

export const SUBMITTED = object({ success: BOOLEAN, message: STRING });

const RULES = [{ name: 'userID', field: 'userID', label: 'User ID', required: true, max: 20 }, ...REPORT_RULES] as const;

export function chatReportSubmitUser(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/chat_report/submit_user',
    schema: describeRoute({ summary: 'Report a user to the operator', realm: 'client', body: reportBody(RULES), data: SUBMITTED }),
    handler: async (request) => {
      const raw = clientBody(request.body);
      const body = typeof raw.userID === 'number' ? { ...raw, userID: String(raw.userID) } : raw;
      const { userID } = validate(body, RULES, POWERTALK_MESSAGES);
      return ok(await reportUser(deps, chatActorOf(request), userID, reportInput(body)));
    },
  };
}
