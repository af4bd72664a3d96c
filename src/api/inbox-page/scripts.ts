// GET /inbox/sdk.js — TapTalk's web SDK bundled for the browser (its chat socket);
// GET /inbox/page.js — the inbox page's own script. Both built at install time.
import type { RouteOptions } from 'fastify';
import { ApiError } from '../../errors.ts';
import { ASSET_TYPES, type DemoAssets } from '../demo/files.ts';
import { INBOX_NOT_BUILT } from './page.ts';

const SUMMARIES = {
  'sdk.js': "Inbox: TapTalk's official web SDK (@taptalk.io/web-sdk) bundled for the browser",
  'page.js': "Inbox: the inbox page's script",
} as const;

export function inboxScript(assets: DemoAssets, name: keyof typeof SUMMARIES): RouteOptions {
  return {
    method: 'GET',
    url: `/inbox/${name}`,
    schema: { summary: SUMMARIES[name], tags: ['inbox'] },
    handler: async (_request, reply) => {
      const text = await assets.read(name);
      if (text === undefined) throw new ApiError('ServiceUnavailable', { message: INBOX_NOT_BUILT });
      return reply.type(ASSET_TYPES[name]).header('cache-control', 'no-cache').send(text);
    },
  };
}
