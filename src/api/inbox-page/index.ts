// The agents' inbox page, /inbox: public files (the sign-in form is on it), built at install time into
// dist/inbox/public/ (src/demo/build.ts) like /demo. What it calls is the inbox realm (../inbox/).
import type { FastifyInstance } from 'fastify';
import { fileURLToPath } from 'node:url';
import { errorHandler } from '../../http/errors.ts';
import { demoAssets } from '../demo/files.ts';
import { inboxPage } from './page.ts';
import { inboxScript } from './scripts.ts';

/** dist/inbox/public/ of this checkout, from src/api/inbox-page/ (tsx) and dist/api/inbox-page/ (compiled). */
const INBOX_ASSETS_DIR = fileURLToPath(new URL('../../../dist/inbox/public/', import.meta.url));

export async function inboxPageApi(app: FastifyInstance, assetsDir: string = INBOX_ASSETS_DIR): Promise<void> {
  app.setErrorHandler(errorHandler('status'));
  const assets = demoAssets(assetsDir);
  app.route(inboxPage(assets));
  app.route(inboxScript(assets, 'sdk.js'));
  app.route(inboxScript(assets, 'page.js'));
}
