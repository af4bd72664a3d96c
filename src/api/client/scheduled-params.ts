// Parameters and answers shared by the chat/scheduled_message/* endpoints.
import { ApiError } from '../../errors.ts';
import { BOOLEAN, INTEGER, STRING, object } from '../../http/openapi.ts';
import { intParam } from './chat-params.ts';
import { parseId } from '../../numeric-id.ts';

const MAX_TIME = 8_640_000_000_000_000;
const invalid = (field: string, message: string) => new ApiError('ParamValidationFailed', { field, message });

/** `scheduledTime`, epoch ms (required). */
export function scheduledTimeParam(body: Record<string, unknown>): number {
  const at = intParam(body, 'scheduledTime', { min: 0, max: MAX_TIME, fallback: -1 });
  if (at < 0) throw invalid('scheduledTime', "Param 'scheduledTime' is required");
  return at;
}

/** `id` of a scheduled message (required; a number, or its decimal string). */
export function scheduledIdParam(body: Record<string, unknown>): number {
  const id = intParam(body, 'id', { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: -1 });
  if (id < 0) throw invalid('id', "Param 'id' is required");
  return id;
}

/** `ids` of scheduled messages: an array of at most 100. */
export function scheduledIdsParam(body: Record<string, unknown>): number[] {
  const v = body.ids;
  if (!Array.isArray(v)) throw invalid('ids', "Param 'ids' must be an array of scheduled message IDs");
  if (v.length > 100) throw invalid('ids', "Param 'ids' can hold at most 100 IDs");
  const ids = new Set<number>();
  for (const item of v) {
    const n = parseId(item);
    if (n === undefined) throw invalid('ids', "Param 'ids' must hold scheduled message IDs");
    ids.add(n);
  }
  return [...ids];
}

const MESSAGE = { type: 'object', additionalProperties: true, description: 'A message as on the socket (chat/sendMessage), content encrypted' };

export const SCHEDULED_ITEM = object({ id: INTEGER, scheduledTime: INTEGER, createdTime: INTEGER, updatedTime: INTEGER, message: MESSAGE });
export const SCHEDULED_MESSAGE = MESSAGE;
export const IDS_ANSWER = object({ ids: { type: 'array', items: INTEGER } });
export const IDS_BODY = object({ ids: { type: 'array', items: INTEGER, maxItems: 100 }, roomID: STRING });
export const DONE = object({ success: BOOLEAN, message: STRING });
