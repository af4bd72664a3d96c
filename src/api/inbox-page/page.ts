// GET /inbox — the agents' inbox: sign in, open cases by topic, answer them (src/inbox/).
import type { RouteOptions } from 'fastify';
import { ASSET_TYPES, type DemoAssets } from '../demo/files.ts';

export const INBOX_NOT_BUILT =
  'The inbox page is not built. It is built (with the @taptalk.io/web-sdk package) when Parley is installed ' +
  'with its development dependencies: run `npm install` (or `npm run build`) in the Parley directory, then reload this page.';

export function inboxPage(assets: DemoAssets): RouteOptions {
  return {
    method: 'GET',
    url: '/inbox',
    schema: { summary: 'Inbox: the agents’ web page (HTML)', tags: ['inbox'] },
    handler: async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      const html = await assets.read('index.html');
      if (html === undefined) {
        return reply
          .code(503)
          .type(ASSET_TYPES['index.html'])
          .send(
            `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Parley inbox unavailable</title></head><body><p>${INBOX_NOT_BUILT}</p></body></html>\n`,
          );
      }
      return reply.type(ASSET_TYPES['index.html']).send(html);
    },
  };
}
