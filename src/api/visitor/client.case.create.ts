// POST /api/visitor/v1/client/case/create — `{topicID, message}`: a new case with its first message.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { visitorCaseViews } from '../../services/case-lists.ts';
import { openCase } from '../../services/cases.ts';
import { clientBody, isStorableText } from '../../validation.ts';
import { intParam } from '../client/chat-params.ts';
import { CASE_OBJECT, visitorOf } from './visitor-params.ts';

/** The chat's bound on a message's text is far above this; a first message is a case's summary too. */
const MESSAGE_MAX = 10_000;

export function visitorCaseCreate(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/case/create',
    schema: describeRoute({
      summary: 'Open a Live Chat case on a topic with a first message',
      realm: 'visitor',
      body: object({ topicID: INTEGER, message: STRING }),
      data: object({ case: CASE_OBJECT }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const topicId = intParam(body, 'topicID', { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 });
      if (topicId === 0) throw new ApiError('ParamValidationFailed', { field: 'topicID', message: "Param 'topicID' is required" });
      const message = typeof body.message === 'string' ? body.message.trim() : '';
      if (message === '') throw new ApiError('ParamValidationFailed', { field: 'message', message: "Param 'message' is required" });
      if (message.length > MESSAGE_MAX || !isStorableText(message)) {
        throw new ApiError('ParamValidationFailed', { field: 'message', message: `Param 'message' must be text of at most ${MESSAGE_MAX} characters` });
      }
      const visitor = visitorOf(request);
      const c = await openCase(deps, visitor, { topicId, message });
      const [view] = await visitorCaseViews(deps, visitor.projectId, [c], false);
      return ok({ case: view });
    },
  };
}
