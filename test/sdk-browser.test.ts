// Smoke test of the browser harness: the official web SDK, loaded in headless chromium, calls
// `taptalk.init` against a tiny recording HTTP listener (not Parley) and we check the wire
// traffic of spec §1 / §3.1 (preflight, headers, literal `""` body, text/plain).
import { strict as assert } from 'node:assert';
import { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  type SdkPage,
  type SdkPageServer,
  browserAvailable,
  launchBrowser,
  newUserPage,
  sdkInit,
  startSdkPage,
  waitForProjectConfigs,
} from './support/sdk-browser.ts';

interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const PROJECT_CONFIGS_RESPONSE = {
  status: 200,
  error: { code: '', message: '', field: '' },
  data: { core: { chatMediaMaxFileSize: '26214400' }, project: {}, custom: {} },
};

async function startRecorder(): Promise<{ baseUrl: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (req.method === 'OPTIONS') {
        res
          .writeHead(204, {
            'access-control-allow-origin': '*',
            'access-control-allow-methods': 'GET, POST, OPTIONS',
            'access-control-allow-headers': 'App-Key, Authorization, Device-Identifier, Device-Model, Device-Platform, Content-Type',
          })
          .end();
      } else if (req.method === 'POST') {
        res.writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'application/json' }).end(JSON.stringify(PROJECT_CONFIGS_RESPONSE));
      } else {
        res.writeHead(405, { 'access-control-allow-origin': '*' }).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

const hasBrowser = browserAvailable();

describe('web SDK in headless chromium (harness smoke test)', { skip: !hasBrowser && 'chromium missing' }, () => {
  let sdkPage: SdkPageServer;
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let browser: Browser;

  before(async () => {
    [sdkPage, recorder, browser] = await Promise.all([startSdkPage(), startRecorder(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await sdkPage?.close();
    await recorder?.close();
  });

  it('init posts project_configs with App-Key, empty Authorization and a literal "" text/plain body', async () => {
    const page: SdkPage = await newUserPage(browser, sdkPage.url);
    assert.notEqual(new URL(sdkPage.url).origin, recorder.baseUrl, 'page and API must be different origins');

    await sdkInit(page, 'app_id', 'app_secret', recorder.baseUrl);
    const configs = await waitForProjectConfigs(page);
    assert.deepEqual(configs, PROJECT_CONFIGS_RESPONSE.data, 'the SDK stored response.data as projectConfigs');

    const path = '/v1/client/project_configs';
    assert.deepEqual(
      recorder.requests.map((r) => `${r.method} ${r.path}`),
      [`OPTIONS ${path}`, `POST ${path}`],
      'init makes exactly one call, preceded by a CORS preflight',
    );
    const [preflight, post] = recorder.requests as [RecordedRequest, RecordedRequest];

    assert.equal(preflight.headers.origin, sdkPage.origin);
    assert.equal(preflight.headers['access-control-request-method'], 'POST');
    assert.deepEqual(String(preflight.headers['access-control-request-headers']).split(',').sort(), [
      'app-key',
      'authorization',
      'device-identifier',
      'device-model',
      'device-platform',
    ]);

    assert.equal(post.headers.origin, sdkPage.origin);
    assert.equal(post.headers['app-key'], Buffer.from('app_id:app_secret').toString('base64'));
    assert.equal(post.headers.authorization, '', 'Authorization is sent, with an empty value');
    assert.equal(post.headers['device-platform'], 'web');
    assert.equal(post.headers['device-model'], 'Netscape');
    assert.match(String(post.headers['device-identifier']), /^[0-9a-f]{16}-[A-Za-z0-9_]{32}$/);
    assert.match(String(post.headers['content-type']), /^text\/plain(;|$)/i);
    assert.equal(post.body, '""', 'the body is the two characters ""');

    assert.deepEqual(page.errors, [], 'no console errors or page errors');
    await page.context().close();
  });
});
