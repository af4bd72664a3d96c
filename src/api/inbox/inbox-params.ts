// What inbox endpoints read from a call: the agent, a case's id, a text field.
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.ts';
import { inboxAuthOf } from '../../http/request-auth.ts';
import type { Agent } from '../../repos/livechat.ts';
import { assertStorableText, clientBody } from '../../validation.ts';
import { caseIdOf } from '../visitor/visitor-params.ts';
import { object } from '../../http/openapi.ts';

export const agentOfRequest = (request: FastifyRequest): Agent => inboxAuthOf(request).agent;

/** The body's `id` (a case of the agent's project). */
export const caseIdParam = (request: FastifyRequest): number => caseIdOf(clientBody(request.body));

/** A string field of at most `max` characters; `required` refuses an empty one. */
export function textParam(request: FastifyRequest, name: string, options: { max: number; required: boolean }): string {
  const value = clientBody(request.body)[name] ?? '';
  if (typeof value !== 'string') throw new ApiError('ParamValidationFailed', { field: name, message: `Param '${name}' must be a string` });
  if (options.required && value.trim() === '') throw new ApiError('ParamValidationFailed', { field: name, message: `Param '${name}' is required` });
  if ([...value].length > options.max) {
    throw new ApiError('ParamValidationFailed', { field: name, message: `Param '${name}' must be at most ${options.max} characters` });
  }
  assertStorableText(value, name);
  return value;
}

/** How an agent and a case look in every answer. */
export const AGENT = { type: 'object', additionalProperties: true };
export const CASE = { type: 'object', additionalProperties: true };

/** The shape of every case/… answer: the case (as the inbox shows it) and its conversation. */
export const CASE_ANSWER = object({ case: CASE, messages: { type: 'array', items: { type: 'object', additionalProperties: true } } });
