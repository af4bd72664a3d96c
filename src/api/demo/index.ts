// The demo realm, registered only when the demo is on (`parley serve --demo`, which `npm start`
// passes; PARLEY_DEMO=true): /demo, where two people chat through TapTalk's official web SDK, and
// the routes that play the customer's backend for it. No credentials at all: anyone who reaches it
// gets a ticket for any name, so it must never be on in production.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { errorHandler } from '../../http/errors.ts';
import { demoKeys } from '../../services/demo.ts';
import { demoScript } from './scripts.ts';
import { DEMO_ASSETS_DIR, demoAssets } from './files.ts';
import { demoPage } from './page.ts';
import { demoTicket } from './ticket.ts';
import { demoUsers } from './users.ts';

export async function demoApi(app: FastifyInstance, deps: Deps, assetsDir: string = DEMO_ASSETS_DIR): Promise<void> {
  app.setErrorHandler(errorHandler('status'));
  const keys = demoKeys(deps);
  const assets = demoAssets(assetsDir);
  app.route(demoPage(keys, assets));
  app.route(demoScript(assets, 'sdk.js'));
  app.route(demoScript(assets, 'page.js'));
  app.route(demoScript(assets, 'livechat.js'));
  app.route(demoTicket(deps, keys));
  app.route(demoUsers(deps, keys));
}
