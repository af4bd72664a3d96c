// POST /v1/client/project_configs — App-Key only; `core` values are strings (spec §3.1).
import type { RouteOptions } from 'fastify';
import { ok } from '../../errors.ts';
import { STRING, describeRoute, object } from '../../http/openapi.ts';

/** Defaults of TapTalk's SDK constants; the SDK reads chatMediaMaxFileSize before sending media. */
export const CORE_CONFIGS = {
  chatMediaMaxFileSize: '26214400',
  roomPhotoMaxFileSize: '10485760',
  userPhotoMaxFileSize: '10485760',
  groupMaxParticipants: '100',
  channelMaxParticipants: '5000',
};

export function projectConfigs(): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/project_configs',
    schema: describeRoute({
      summary: 'Project configuration for the SDK (App-Key only)',
      realm: 'client',
      appKeyOnly: true,
      data: object({ core: { type: 'object', additionalProperties: STRING }, project: { type: 'object' }, custom: { type: 'object' } }),
    }),
    config: { bearer: 'own' },
    handler: async () => ok({ core: CORE_CONFIGS, project: {}, custom: {} }),
  };
}
