// Parameters of the chat endpoints that are not strings: numbers, booleans, id lists. Strings go
// through the rule table of validation.ts like everywhere else.
import { ApiError } from '../../errors.ts';
import type { FieldRule } from '../../validation.ts';
import { parseId } from '../../numeric-id.ts';

export const ROOM_ID_RULE = { name: 'roomID', field: 'roomID', label: 'Room ID', required: true, max: 100 } as const satisfies FieldRule;

const invalid = (name: string, message: string) => new ApiError('ParamValidationFailed', { field: name, message });

/** An integer (JSON number or decimal string); `fallback` when absent. */
export function intParam(body: Record<string, unknown>, name: string, options: { min: number; max: number; fallback: number }): number {
  const v = body[name];
  if (v === undefined || v === null || v === '') return options.fallback;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?[0-9]{1,16}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw invalid(name, `Param '${name}' must be an integer`);
  if (n < options.min || n > options.max) throw invalid(name, `Param '${name}' must be between ${options.min} and ${options.max}`);
  return n;
}

export function boolParam(body: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const v = body[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw invalid(name, `Param '${name}' must be a boolean`);
  return v;
}

/** A list of user ids (strings or numbers); at most `max`. */
export function userIdsParam(body: Record<string, unknown>, name: string, max = 500): number[] {
  const v = body[name];
  if (!Array.isArray(v)) throw invalid(name, `Param '${name}' must be an array of user IDs`);
  if (v.length > max) throw invalid(name, `Param '${name}' can hold at most ${max} user IDs`);
  const ids = new Set<number>();
  for (const item of v) {
    const id = parseId(item);
    if (id === undefined) throw invalid(name, `Param '${name}' must hold user IDs`);
    ids.add(id);
  }
  return [...ids];
}

/** A list of room ids (1 to `max` strings). */
export function roomIdsParam(body: Record<string, unknown>, name = 'roomIDs', max = 100): string[] {
  const v = body[name];
  if (!Array.isArray(v) || v.length === 0) throw invalid(name, `Param '${name}' must be a non-empty array of room IDs`);
  if (v.length > max) throw invalid(name, `Param '${name}' can hold at most ${max} room IDs`);
  if (!v.every((item) => typeof item === 'string' && item.length > 0 && item.length <= 100)) throw invalid(name, `Param '${name}' must hold room IDs`);
  return [...new Set(v as string[])];
}
