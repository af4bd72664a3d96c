// Route schemas for the OpenAPI document (/openapi.json). Validation stays ours (the seeds' exact
// messages and field identifiers); these schemas describe the same rules for readers and tools.
import type { SwaggerOptions } from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import { ERRORS } from '../errors.ts';
import type { FieldRule, Format } from '../validation.ts';

type Schema = Record<string, unknown>;

const FORMAT_SCHEMA: Record<Format, Schema> = {
  ip: { anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
  platform: { enum: ['android', 'ios', 'web'] },
  email: { format: 'email' },
  url: { format: 'uri', pattern: '^https?://' },
  'phone-international': { pattern: '^\\+?[1-9][0-9 ().-]*$', description: 'International, starting with the country code' },
  'phone-local': { pattern: '^\\+?[0-9][0-9 ().-]*$' },
};

/** A JSON object schema from a table of field rules (order kept: it is the validation order). */
export function bodyFromRules(rules: readonly FieldRule[]): Schema {
  const properties: Record<string, Schema> = {};
  for (const r of rules) {
    const described = r.field === r.name ? r.label : `(${r.field}) ${r.label}`;
    const format = r.format === undefined ? {} : FORMAT_SCHEMA[r.format];
    properties[r.name] = { type: 'string', minLength: 1, maxLength: r.max, ...format, description: described };
  }
  return { type: 'object', properties, required: rules.filter((r) => r.required).map((r) => r.name) };
}

const ERROR_OBJECT = {
  type: 'object',
  required: ['code', 'message', 'field'],
  properties: {
    code: { type: 'string', description: "'' on success; otherwise one of the error codes" },
    message: { type: 'string' },
    field: { type: 'string', description: 'The offending field (PowerTalk: its numeric identifier), or empty' },
  },
};

export function envelope(data: Schema): Schema {
  return {
    type: 'object',
    required: ['status', 'error', 'data'],
    properties: { status: { type: 'integer' }, error: ERROR_OBJECT, data },
  };
}

const str = { type: 'string' };

/** The token bundle of access_token/request and refresh. */
export const TOKEN_BUNDLE: Schema = {
  type: 'object',
  properties: {
    accessToken: str,
    accessTokenExpiry: { type: 'integer', description: 'epoch ms' },
    refreshToken: str,
    refreshTokenExpiry: { type: 'integer', description: 'epoch ms' },
    user: { type: 'object', additionalProperties: true },
  },
};

export function object(properties: Record<string, Schema>): Schema {
  return { type: 'object', properties };
}

export const STRING = str;
export const INTEGER = { type: 'integer' };
export const BOOLEAN = { type: 'boolean' };

export type Realm = 'server' | 'integration' | 'client' | 'visitor' | 'ops' | 'demo' | 'inbox';

const SECURITY: Record<Realm, Array<Record<string, string[]>>> = {
  server: [{ ServerKey: [] }],
  integration: [{ ApiKey: [] }],
  client: [{ AppKey: [], Bearer: [] }],
  visitor: [{ SecretKey: [], Bearer: [] }],
  ops: [],
  demo: [],
  inbox: [{ InboxCookie: [], InboxCsrf: [] }],
};

const ERROR_TEXT = Object.values(ERRORS)
  .map((e) => `${e.code} (${e.status}) ${e.message}`)
  .join('; ');

/** The route's schema: summary, realm, body, and the `data` of its success envelope. */
export function describeRoute(spec: { summary: string; realm: Realm; body?: Schema; data: Schema; appKeyOnly?: boolean }): FastifySchema {
  const clientStatus = spec.realm === 'client' || spec.realm === 'visitor';
  const security = spec.appKeyOnly ? [{ [spec.realm === 'visitor' ? 'SecretKey' : 'AppKey']: [] }] : SECURITY[spec.realm];
  return {
    summary: spec.summary,
    tags: [spec.realm],
    security,
    ...(spec.body === undefined ? {} : { body: spec.body }),
    response: {
      200: { description: 'Success envelope', ...envelope(spec.data) },
      ...(clientStatus
        ? {}
        : { '4XX': { description: `Error envelope; HTTP status = envelope status. Codes: ${ERROR_TEXT}`, ...envelope({ type: 'object' }) } }),
    },
    ...(clientStatus ? { description: `Client API: HTTP 200 for every outcome, the real status in the envelope. Codes: ${ERROR_TEXT}` } : {}),
  } as FastifySchema;
}

export const OPENAPI_DOCUMENT: NonNullable<Extract<SwaggerOptions, { openapi?: unknown }>['openapi']> = {
  openapi: '3.0.3',
  info: {
    title: 'Parley',
    version: '0.1.0',
    description:
      "Self-hosted server speaking TapTalk.io's PowerTalk and OneTalk APIs. Every response is the envelope " +
      '{status, error: {code, message, field}, data}; docs/errors.md lists the codes.',
  },
  components: {
    securitySchemes: {
      ServerKey: { type: 'apiKey', in: 'header', name: 'Server-Key', description: 'base64(serverKeyID:serverKeySecret)' },
      ApiKey: { type: 'apiKey', in: 'header', name: 'API-Key' },
      AppKey: { type: 'apiKey', in: 'header', name: 'App-Key', description: 'base64(appKeyID:appKeySecret)' },
      SecretKey: { type: 'apiKey', in: 'header', name: 'Secret-Key', description: "The app key's secret (OneTalk Live Chat)" },
      Bearer: { type: 'http', scheme: 'bearer', description: 'Access token (or the ticket / refresh token where stated)' },
      InboxCookie: { type: 'apiKey', in: 'cookie', name: 'parley_inbox', description: 'An agent signed in to /inbox (POST /inbox/api/login)' },
      InboxCsrf: { type: 'apiKey', in: 'header', name: 'X-Parley-CSRF', description: 'The session’s CSRF token (login, me); every POST but login' },
    },
  },
};
