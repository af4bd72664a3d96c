// POST /api/visitor/v1/client/case/rate — `{id, rating, note}`: the visitor rates a closed case once.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { BOOLEAN, INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { rateCase } from '../../services/cases.ts';
import { clientBody, isStorableText } from '../../validation.ts';
import { intParam } from '../client/chat-params.ts';
import { caseIdOf, visitorOf } from './visitor-params.ts';

/** The Android client's bound (Const/TTLConstant.kt). */
const NOTE_MAX = 1000;

export function visitorCaseRate(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/case/rate',
    schema: describeRoute({
      summary: 'Rate a closed Live Chat case (1–5 and a note)',
      realm: 'visitor',
      body: object({ id: INTEGER, rating: INTEGER, note: STRING }),
      data: object({ success: BOOLEAN, message: STRING }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const id = caseIdOf(body);
      const rating = intParam(body, 'rating', { min: 1, max: 5, fallback: 0 });
      if (rating === 0) throw new ApiError('ParamValidationFailed', { field: 'rating', message: "Param 'rating' is required" });
      if (body.note !== undefined && body.note !== null && typeof body.note !== 'string') {
        throw new ApiError('ParamValidationFailed', { field: 'note', message: "Param 'note' must be a string" });
      }
      const note = typeof body.note === 'string' ? body.note.trim() : '';
      if ([...note].length > NOTE_MAX || !isStorableText(note)) {
        throw new ApiError('ParamValidationFailed', { field: 'note', message: `Param 'note' must be text of at most ${NOTE_MAX} characters` });
      }
      await rateCase(deps, visitorOf(request), id, { rating, note });
      return ok({ success: true, message: 'Case rated successfully' });
    },
  };
}
