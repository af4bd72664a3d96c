// GET /demo/sdk.js — TapTalk's web SDK bundled for the browser (sets window.TapTalkSDK);
// GET /demo/page.js and /demo/livechat.js — the page's own scripts (its Chat and Live Chat tabs).
// All built at install time (./files.ts).
import type { RouteOptions } from 'fastify';
import { ApiError } from '../../errors.ts';
import { ASSET_TYPES, type DemoAssets, NOT_BUILT } from './files.ts';

const SUMMARIES = {
  'sdk.js': "Demo: TapTalk's official web SDK (@taptalk.io/web-sdk) bundled for the browser",
  'page.js': "Demo: the demo page's script (its Chat tab)",
  'livechat.js': "Demo: the demo page's Live Chat tab (a visitor, as OneTalk's launcher calls Parley)",
} as const;

export function demoScript(assets: DemoAssets, name: keyof typeof SUMMARIES): RouteOptions {
  return {
    method: 'GET',
    url: `/demo/${name}`,
    schema: { summary: SUMMARIES[name], tags: ['demo'] },
    handler: async (_request, reply) => {
      const text = await assets.read(name);
      if (text === undefined) throw new ApiError('ServiceUnavailable', { message: NOT_BUILT });
      return reply.type(ASSET_TYPES[name]).header('cache-control', 'no-cache').send(text);
    },
  };
}
