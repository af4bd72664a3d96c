// POST /api/visitor/v1/client/project/get_configs — Secret-Key only, called at the launcher's start
// (onetalk-protocol.md §2.3). `tapTalk` points the TapTalk chat SDK at this Parley: its origin, and the
// app key whose secret the launcher presented (its id, and the secret it sent: Parley keeps only hashes).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { linkBase } from '../../http/file-reply.ts';
import { BOOLEAN, INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { getSettings } from '../../services/livechat-setup.ts';

export function visitorProjectGetConfigs(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/project/get_configs',
    schema: describeRoute({
      summary: 'Live Chat launcher configuration and where the chat SDK connects (Secret-Key only)',
      realm: 'visitor',
      appKeyOnly: true,
      data: object({
        tapTalk: object({ apiURL: STRING, appKeyID: STRING, appKeySecret: STRING }),
        launcherConfigs: object({ hexColor: STRING, maxOpenCases: INTEGER, randomizeFilename: BOOLEAN }),
        channelLinks: { type: 'array', items: { type: 'object' } },
      }),
    }),
    config: { bearer: 'own' },
    handler: async (request) => {
      if (request.auth?.realm !== 'client') throw new Error('route outside a client realm');
      const settings = await getSettings(deps, request.auth.key.projectId);
      return ok({
        tapTalk: { apiURL: linkBase(deps, request), appKeyID: request.auth.key.keyId, appKeySecret: String(request.headers['secret-key']).trim() },
        launcherConfigs: { hexColor: settings.hexColor, maxOpenCases: settings.maxOpenCases, randomizeFilename: false },
        channelLinks: [],
      });
    },
  };
}
