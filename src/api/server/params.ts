// The server API's parameters that are not plain strings (the string ones go through validate()):
// lists of strings, integers and booleans, refused with 40002 and the field's numeric id.
import { ApiError } from '../../errors.ts';
import { isStorableText } from '../../validation.ts';

const invalid = (field: string, message: string) => new ApiError('ParamValidationFailed', { field, message });

/** A list of non-empty strings of at most `max` characters, at most `items` of them; undefined when absent. */
export function stringList(body: Record<string, unknown>, name: string, field: string, limits: { items: number; max: number }): string[] | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '' || x.length > limits.max || !isStorableText(x))) {
    throw invalid(field, `Param '${name}' must be a list of strings of 1 to ${limits.max} characters`);
  }
  if (v.length > limits.items) throw invalid(field, `Param '${name}' can hold at most ${limits.items} items`);
  return [...new Set(v as string[])];
}

export function integerParam(body: Record<string, unknown>, name: string, field: string): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(field, `Param '${name}' must be an integer`);
  return v;
}

/** A boolean, also written as the string "true" or "false" (TapTalk's documents type some as strings). */
export function booleanParam(body: Record<string, unknown>, name: string, field: string): boolean | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw invalid(field, `Param '${name}' must be true or false`);
}
