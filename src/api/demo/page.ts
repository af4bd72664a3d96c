// GET /demo — the demo page: sign in with a name, chat with another person through TapTalk's web SDK.
// It carries the app key the SDK is initialised with, as a customer's web app carries its own.
import type { RouteOptions } from 'fastify';
import { ApiError } from '../../errors.ts';
import type { DemoKeys } from '../../services/demo.ts';
import { ASSET_TYPES, type DemoAssets, NOT_BUILT } from './files.ts';

/** In src/demo/page.html: replaced by the page's configuration (JSON). */
const CONFIG_SLOT = '"__PARLEY_DEMO_CONFIG__"';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** What a person opening /demo sees when it cannot work (HTTP 503), instead of a JSON envelope. */
function problemPage(message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley demo unavailable</title><link rel="icon" href="data:,"></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em">
<h1>Parley demo unavailable</h1>
<p>${escapeHtml(message)}</p>
</body></html>
`;
}

export function demoPage(keys: DemoKeys, assets: DemoAssets): RouteOptions {
  return {
    method: 'GET',
    url: '/demo',
    schema: { summary: 'Demo: a page where two people sign in with a name and chat (HTML)', tags: ['demo'] },
    handler: async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      const [html, sdk] = await Promise.all([assets.read('index.html'), assets.read('sdk.js')]);
      if (html === undefined || sdk === undefined) return reply.code(503).type(ASSET_TYPES['index.html']).send(problemPage(NOT_BUILT));
      let key: Awaited<ReturnType<DemoKeys['get']>>;
      try {
        key = await keys.get();
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        return reply.code(err.status).type(ASSET_TYPES['index.html']).send(problemPage(err.message));
      }
      // `<` escaped, so nothing in the JSON can close the <script> it sits in.
      const config = JSON.stringify({ appKeyID: key.appKeyID, appKeySecret: key.appKeySecret }).replace(/</g, '\\u003c');
      return reply.type(ASSET_TYPES['index.html']).send(html.replace(CONFIG_SLOT, () => config));
    },
  };
}
