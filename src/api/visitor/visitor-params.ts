// What visitor endpoints read from a call: who the visitor is, and a case's id (`id`, or `caseID` as
// OneTalk's iOS 1.2.0 sends it).
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.ts';
import { clientAuthOf } from '../../http/request-auth.ts';
import type { Visitor } from '../../services/livechat-visitors.ts';
import { intParam } from '../client/chat-params.ts';

export function visitorOf(request: FastifyRequest): Visitor {
  const session = clientAuthOf(request);
  return { projectId: session.projectId, contactId: session.subject };
}

const MAX_ID = Number.MAX_SAFE_INTEGER;

export function caseIdOf(body: Record<string, unknown>): number {
  const name = body.id === undefined && body.caseID !== undefined ? 'caseID' : 'id';
  const id = intParam(body, name, { min: 1, max: MAX_ID, fallback: 0 });
  if (id === 0) throw new ApiError('ParamValidationFailed', { field: 'id', message: "Param 'id' is required" });
  return id;
}

export const CASE_OBJECT = { type: 'object', additionalProperties: true };
