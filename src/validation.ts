// Table-driven request validation: one rule per wire field, checked in the seed's order, first failure wins.
import { isIP } from 'node:net';
import { getCountries, getCountryCallingCode } from 'libphonenumber-js/min';
import { ApiError } from './errors.ts';
import { MALFORMED_JSON } from './http/body.ts';

export type Format = 'ip' | 'platform' | 'email' | 'url' | 'phone-international' | 'phone-local';

export interface FieldRule {
  /** Name of the JSON field. */
  readonly name: string;
  /** What `error.field` reports: the seed's numeric identifier or the field name. */
  readonly field: string;
  /** Human label for messages in the OneTalk style ("Customer user ID"). */
  readonly label: string;
  readonly required: boolean;
  /** Maximum length in characters (Unicode code points); the minimum is always 1. */
  readonly max: number;
  readonly format?: Format;
}

export interface MessageStyle {
  required(rule: FieldRule): string;
  type(rule: FieldRule): string;
  length(rule: FieldRule): string;
  /**
   * A NUL character or an unpaired surrogate: PostgreSQL text can hold neither (the driver would turn
   * distinct surrogates into one U+FFFD, merging distinct ids), and no real value contains one.
   */
  nul(rule: FieldRule): string;
  format(rule: FieldRule, format: Format): string;
}

const FORMAT_TEXT: Record<Format, string> = {
  ip: 'must be a valid IPv4 or IPv6 address',
  platform: 'must be one of: android, ios, web',
  email: 'must be a valid email address',
  url: 'must be a valid http or https URL',
  'phone-international': 'must start with a country code',
  'phone-local': 'must contain only digits, spaces, dashes, dots, parentheses and a leading +',
};

/** PowerTalk style: `Param 'xcUserID' is required`. */
export const POWERTALK_MESSAGES: MessageStyle = {
  required: (r) => `Param '${r.name}' is required`,
  type: (r) => `Param '${r.name}' must be a string`,
  length: (r) => `Param '${r.name}' must be between 1 and ${r.max} characters`,
  nul: (r) => `Param '${r.name}' must not contain NUL characters or unpaired surrogates`,
  format: (r, f) => `Param '${r.name}' ${FORMAT_TEXT[f]}`,
};

/** OneTalk style: `Customer user ID is required`. */
export const ONETALK_MESSAGES: MessageStyle = {
  required: (r) => `${r.label} is required`,
  type: (r) => `${r.label} must be a string`,
  length: (r) => `${r.label} must be between 1 and ${r.max} characters`,
  nul: (r) => `${r.label} must not contain NUL characters or unpaired surrogates`,
  format: (r, f) => `${r.label} ${FORMAT_TEXT[f]}`,
};

export const PLATFORMS = ['android', 'ios', 'web'] as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// Digits with the usual separators and an optional leading '+'.
const PHONE_CHARS = /^\+?[0-9][0-9 ().-]*$/;

let callingCodes: Set<string> | undefined;
function isCallingCodePrefix(digits: string): boolean {
  callingCodes ??= new Set(getCountries().map((c) => getCountryCallingCode(c) as string));
  for (let len = 1; len <= 3; len++) if (callingCodes.has(digits.slice(0, len))) return true;
  return false;
}

/** Digits of an international phone number (`+62 812-3456-7890` → `6281234567890`), or undefined. */
export function normalizeInternationalPhone(value: string): string | undefined {
  if (!PHONE_CHARS.test(value)) return undefined;
  const digits = value.replace(/[^0-9]/g, '');
  // E.164 allows at most 15 digits; fewer than 7 is no subscriber number anywhere.
  if (digits.length < 7 || digits.length > 15 || digits.startsWith('0')) return undefined;
  return isCallingCodePrefix(digits) ? digits : undefined;
}

// `http://` or `https://` and printable ASCII after it. Only ASCII: Node 20's URL.canParse, once
// optimised, reads a Latin-1 string's bytes as UTF-8 (`http://é.com/` turns false after ~1,000 calls;
// test/validation.test.ts).
const PLAIN_HTTP_URL = /^https?:\/\/[\x21-\x7e]*$/;

/**
 * A WHATWG URL whose scheme is http or https. The usual spelling (`http://…` in ASCII) is settled by
 * URL.canParse, which builds no URL object (a returning user's ticket checks two); any other (`HTTPS:…`,
 * leading spaces, another scheme, non-ASCII) by one parse and its protocol.
 */
function isHttpUrl(value: string): boolean {
  if (PLAIN_HTTP_URL.test(value)) return URL.canParse(value);
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function checkFormat(format: Format, value: string): string | undefined {
  switch (format) {
    case 'ip':
      return isIP(value) === 0 ? undefined : value;
    case 'platform':
      return (PLATFORMS as readonly string[]).includes(value) ? value : undefined;
    case 'email':
      return EMAIL.test(value) ? value : undefined;
    case 'url':
      return isHttpUrl(value) ? value : undefined;
    case 'phone-international':
      return normalizeInternationalPhone(value);
    case 'phone-local':
      return PHONE_CHARS.test(value) ? value : undefined;
  }
}

function codePointLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The body of a server-to-server call as an object: no body reads as {} (so the caller learns which
 * field is required first); malformed JSON and non-objects are 40002.
 */
export function jsonObject(body: unknown): Record<string, unknown> {
  if (body === MALFORMED_JSON) throw new ApiError('ParamValidationFailed', { message: 'Request body is not valid JSON' });
  if (body === undefined) return {};
  if (!isPlainObject(body)) throw new ApiError('ParamValidationFailed', { message: 'Request body must be a JSON object' });
  return body;
}

export type Validated<R extends readonly FieldRule[]> = {
  [K in R[number] as K['name']]: K['required'] extends true ? string : string | undefined;
};

/**
 * Validates `body` against `rules`. Values are trimmed; an empty string or null counts as not given.
 * Returns the cleaned values (formats may normalise, e.g. phones to digits); throws the first failure.
 */
export function validate<const R extends readonly FieldRule[]>(body: unknown, rules: R, style: MessageStyle): Validated<R> {
  const object = jsonObject(body);
  const out: Record<string, string | undefined> = {};
  for (const rule of rules) {
    const raw = Object.hasOwn(object, rule.name) ? object[rule.name] : undefined;
    if (raw !== undefined && raw !== null && typeof raw !== 'string') {
      throw new ApiError('ParamValidationFailed', { field: rule.field, message: style.type(rule) });
    }
    const value = raw?.trim();
    if (value === undefined || value === '') {
      if (rule.required) throw new ApiError('ParamValidationFailed', { field: rule.field, message: style.required(rule) });
      out[rule.name] = undefined;
      continue;
    }
    if (value.length > rule.max && codePointLength(value) > rule.max) {
      throw new ApiError('ParamValidationFailed', { field: rule.field, message: style.length(rule) });
    }
    if (!isStorableText(value)) {
      throw new ApiError('ParamValidationFailed', { field: rule.field, message: style.nul(rule) });
    }
    if (rule.format === undefined) {
      out[rule.name] = value;
      continue;
    }
    const formatted = checkFormat(rule.format, value);
    if (formatted === undefined) {
      throw new ApiError('ParamValidationFailed', { field: rule.field, message: style.format(rule, rule.format) });
    }
    out[rule.name] = formatted;
  }
  return out as Validated<R>;
}

/** Client APIs: an empty body, `""`, malformed JSON or any non-object reads as {} (spec §1). */
export function clientBody(body: unknown): Record<string, unknown> {
  return isPlainObject(body) ? body : {};
}

/** False for a NUL or an unpaired surrogate (see `MessageStyle.nul`): the one text rule of REST and socket. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && (value as WellFormed).isWellFormed();
}

/** `String.prototype.isWellFormed` (ES2024, in Node 20): no unpaired surrogate, checked natively. */
type WellFormed = string & { isWellFormed(): boolean };

/**
 * The object `parseUtf8Json` last parsed, when every string and key in it is known to keep the text
 * rule. One slot, not a set: a socket checks a frame in the turn it parsed it, and a check that comes
 * later simply walks. A WeakSet entry per parsed object cost the chat's GC (each is an ephemeron that
 * every scavenge must visit): about half a microsecond a message in-process (docs/performance.md).
 */
let vouched: object | undefined;

/**
 * Parses JSON text decoded from UTF-8 bytes. Such text holds no unpaired surrogate (the decoder
 * replaces one with U+FFFD) and JSON holds a NUL only as an escape, so when the text has no `\u`
 * escape at all, every string and key parsed from it keeps the text rule: `assertStorableText` then
 * trusts the parsed object and the objects directly in it (a frame and its `data`) without
 * walking them. Throws as JSON.parse does.
 */
export function parseUtf8Json(text: string): unknown {
  vouched = undefined;
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null && !text.includes('\\u')) vouched = value;
  return value;
}

/** Whether `value` is the object last parsed and vouched for, or an object directly in it. */
function isVouched(value: object): boolean {
  const parent = vouched;
  if (parent === undefined) return false;
  if (value === parent) return true;
  if (Array.isArray(parent)) return false;
  for (const key in parent) if ((parent as Record<string, unknown>)[key] === value) return true;
  return false;
}

/**
 * Refuses (40002, naming the field: `body`, `quote.content`, `items[2]`) any string, value or key, in
 * `value` that breaks the text rule. Iterative: a frame may nest thousands of levels deep.
 */
export function assertStorableText(value: unknown, field = 'data'): void {
  if (typeof value === 'object' && value !== null && isVouched(value)) return;
  if (allStorable(value)) return;
  // Something breaks the rule: walk again, naming each value's path, to report the first that does.
  const stack: Array<[unknown, string]> = [[value, field]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, path] = next;
    if (typeof v === 'string') {
      if (!isStorableText(v))
        throw new ApiError('ParamValidationFailed', { field: path, message: `${path} must not contain NUL characters or unpaired surrogates` });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, child] of Object.entries(v).reverse()) {
        const childPath = path === '' ? key : `${path}.${key}`;
        if (!isStorableText(key))
          throw new ApiError('ParamValidationFailed', {
            field: path,
            message: `Keys of ${path || 'data'} must not contain NUL characters or unpaired surrogates`,
          });
        stack.push([child, childPath]);
      }
    }
  }
}

/** Every string, value or key, in `value` keeps the text rule: the common case, checked without building paths. */
function allStorable(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (!isStorableText(v)) return false;
    } else if (Array.isArray(v)) {
      for (const child of v) stack.push(child);
    } else if (typeof v === 'object' && v !== null) {
      for (const key of Object.keys(v)) {
        if (!isStorableText(key)) return false;
        stack.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return true;
}
