// POST /api/integration/v1/case/get_list — a Parley addition to OneTalk's integration API (OneTalk
// documents no such call): {customerUserID | phone | userID, status?} → {cases}, the contact's cases
// in the visitor API's shape, newest first, at most 200 (docs/livechat.md).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { keyAuthOf } from '../../http/request-auth.ts';
import { describeRoute, bodyFromRules, object } from '../../http/openapi.ts';
import { type ContactSelector, listContactCases } from '../../services/contact-cases.ts';
import { type FieldRule, ONETALK_MESSAGES, validate } from '../../validation.ts';
import { CASE_OBJECT } from '../visitor/visitor-params.ts';

const RULES = [
  { name: 'customerUserID', field: 'customerUserID', label: 'Customer user ID', required: false, max: 100 },
  { name: 'phone', field: 'phone', label: 'Phone', required: false, max: 100, format: 'phone-international' },
  { name: 'userID', field: 'userID', label: 'User ID', required: false, max: 100 },
  { name: 'status', field: 'status', label: 'Status', required: false, max: 10 },
] as const satisfies readonly FieldRule[];

const SELECTORS = ['customerUserID', 'phone', 'userID'] as const;
const invalid = (field: string, message: string) => new ApiError('ParamValidationFailed', { field, message });

export function caseGetList(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/integration/v1/case/get_list',
    schema: describeRoute({
      summary: 'A contact’s Live Chat cases, newest first (Parley addition)',
      realm: 'integration',
      body: bodyFromRules(RULES),
      data: object({ cases: { type: 'array', items: CASE_OBJECT } }),
    }),
    handler: async (request) => {
      const auth = keyAuthOf(request);
      const input = validate(request.body, RULES, ONETALK_MESSAGES);
      const given = SELECTORS.filter((name) => input[name] !== undefined);
      if (given.length === 0) throw invalid('customerUserID', 'One of customerUserID, phone or userID is required');
      if (given.length > 1) throw invalid(given[1] as string, 'Give only one of customerUserID, phone or userID');
      const field = given[0] as ContactSelector['field'];
      const status = input.status;
      if (status !== undefined && status !== 'open' && status !== 'closed') throw invalid('status', 'Status must be open or closed');
      const cases = await listContactCases(deps, auth.projectId, { field, value: input[field] as string }, status);
      return ok({ cases });
    },
  };
}
