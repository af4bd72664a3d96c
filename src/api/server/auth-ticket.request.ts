// POST /v1/server/auth_ticket/request — seed 001. Field identifiers 101–112 as the seed numbers them.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { keyAuthOf } from '../../http/request-auth.ts';
import { replayBody } from '../../http/fast-path.ts';
import type { UserDevice, UserProfile } from '../../repos/users.ts';
import { requestAuthTicket } from '../../services/powertalk.ts';
import { type FieldRule, POWERTALK_MESSAGES, validate } from '../../validation.ts';
import { STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';

export const AUTH_TICKET_RULES = [
  { name: 'userIPAddress', field: '101', label: 'User IP address', required: true, max: 45, format: 'ip' },
  { name: 'userAgent', field: '102', label: 'User agent', required: true, max: 1000 },
  { name: 'userPlatform', field: '103', label: 'User platform', required: true, max: 10, format: 'platform' },
  { name: 'userDeviceID', field: '104', label: 'User device ID', required: true, max: 255 },
  { name: 'xcUserID', field: '105', label: 'XC user ID', required: true, max: 50 },
  { name: 'fullName', field: '106', label: 'Full name', required: true, max: 250 },
  { name: 'email', field: '107', label: 'Email', required: false, max: 250, format: 'email' },
  { name: 'phone', field: '108', label: 'Phone', required: false, max: 20, format: 'phone-local' },
  { name: 'username', field: '109', label: 'Username', required: false, max: 100 },
  { name: 'photoThumbnailURL', field: '110', label: 'Photo thumbnail URL', required: false, max: 2048, format: 'url' },
  { name: 'photoFullsizeURL', field: '111', label: 'Photo fullsize URL', required: false, max: 2048, format: 'url' },
  { name: 'userRoleCode', field: '112', label: 'User role code', required: false, max: 50 },
] as const satisfies readonly FieldRule[];

export const AUTH_TICKET_PATH = '/v1/server/auth_ticket/request';

export function authTicketRequest(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: AUTH_TICKET_PATH,
    schema: describeRoute({
      summary: 'Request an auth ticket for a user (created or updated by xcUserID)',
      realm: 'server',
      body: bodyFromRules(AUTH_TICKET_RULES),
      data: object({ userID: STRING, ticket: STRING }),
    }),
    // A request the fast path read and handed on (auth-ticket.fast.ts) brings its body along.
    preParsing: replayBody,
    handler: async (request) => {
      const auth = keyAuthOf(request);
      return ok(await requestAuthTicket(deps, auth.projectId, ticketInput(request.body)));
    },
  };
}

/** The service's input from a request body; throws the seed's validation errors. */
export function ticketInput(body: unknown): { profile: UserProfile; device: UserDevice } {
  const input = validate(body, AUTH_TICKET_RULES, POWERTALK_MESSAGES);
  return {
    profile: profileInput(input),
    device: {
      ipAddress: input.userIPAddress,
      userAgent: input.userAgent,
      platform: input.userPlatform,
      deviceID: input.userDeviceID,
    },
  };
}

/** Fields 105–112 as the service names them (auth_ticket/request and user/update). */
export function profileInput(input: Omit<UserProfile, 'fullname'> & { fullName: string }): UserProfile {
  return {
    xcUserID: input.xcUserID,
    fullname: input.fullName,
    email: input.email,
    phone: input.phone,
    username: input.username,
    photoThumbnailURL: input.photoThumbnailURL,
    photoFullsizeURL: input.photoFullsizeURL,
    userRoleCode: input.userRoleCode,
  };
}
