// OpenTelemetry traces as an operator gets them: `parley serve` started with the standard OTEL_*
// variables exports its spans to an OTLP/HTTP collector (here a node:http server of the test that
// reads the JSON bodies), flushing them on a graceful stop. A request's span is named after its
// route, its database statements and broker notes are its children. Off, the SDK is never loaded:
// a Node loader hook in the child records every module it resolves.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server as HttpServer, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config.ts';
import { Server, WORK_DIR, killAll, parley, parseJson, postJson } from './support/cli.ts';
import { type TestDatabase, createTestDatabase, eachDialect } from './support/databases.ts';
import { POWERTALK_SEED_REQUEST } from './support/fixtures.ts';

after(() => killAll());

interface Created {
  serverKey: { header: string };
  appKey: { header: string };
}

type AnyValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean };
interface Attribute {
  key: string;
  value: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Attribute[];
  status?: { code?: number };
}
interface ExportRequest {
  resourceSpans: Array<{ resource: { attributes: Attribute[] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}

// OTLP's SpanKind numbers.
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;

function value(attributes: Attribute[] | undefined, key: string): string | number | boolean | undefined {
  const v = attributes?.find((a) => a.key === key)?.value;
  if (v === undefined) return undefined;
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.stringValue ?? v.boolValue;
}

/** An OTLP/HTTP collector: records every export request to /v1/traces (JSON bodies). */
class OtlpReceiver {
  readonly exports: ExportRequest[] = [];
  requests = 0;
  #server: HttpServer;
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      this.requests++;
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces' && String(req.headers['content-type']).startsWith('application/json')) {
          this.exports.push(JSON.parse(body) as ExportRequest);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  resources(): Attribute[][] {
    return this.exports.flatMap((e) => e.resourceSpans.map((r) => r.resource.attributes));
  }

  spans(): OtlpSpan[] {
    return this.exports.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  }
}

// A loader hook for the children (NODE_OPTIONS=--import): every module URL resolved goes to a file.
const HOOKS = join(WORK_DIR, 'module-log-hooks.mjs');
const REGISTER = join(WORK_DIR, 'module-log.mjs');
writeFileSync(
  HOOKS,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (process.env.PARLEY_TEST_MODULE_LOG) appendFileSync(process.env.PARLEY_TEST_MODULE_LOG, resolved.url + '\\n');
  return resolved;
}
`,
);
writeFileSync(REGISTER, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(HOOKS).href)});\n`);

/** The environment that makes a child log its modules to a fresh file, and a reader of that file. */
function moduleLog(): { env: Record<string, string>; loaded(): string[] } {
  const file = join(WORK_DIR, `modules-${randomBytes(4).toString('hex')}.log`);
  return {
    env: { NODE_OPTIONS: `--import=${pathToFileURL(REGISTER).href}`, PARLEY_TEST_MODULE_LOG: file },
    loaded: () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []),
  };
}

const SDK_MODULES = /@opentelemetry\/(sdk-trace|exporter-trace|resources|otlp-)/;
const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('when tracing is on', () => {
  const on = (env: Record<string, string>) => loadConfig(env).tracing;
  it('is off unless an OTLP endpoint or OTEL_TRACES_EXPORTER asks for it', () => {
    assert.equal(on({}), undefined);
    assert.equal(on({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_HEADERS: 'a=b' }), undefined);
    assert.deepEqual(on({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), { exporters: ['otlp'], serviceName: 'parley' });
    assert.deepEqual(on({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces', OTEL_SERVICE_NAME: 'chat' }), {
      exporters: ['otlp'],
      serviceName: 'chat',
    });
    assert.deepEqual(on({ OTEL_TRACES_EXPORTER: 'otlp' }), { exporters: ['otlp'], serviceName: 'parley' });
    assert.deepEqual(on({ OTEL_TRACES_EXPORTER: 'console,otlp' }), { exporters: ['console', 'otlp'], serviceName: 'parley' });
  });

  it('is off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, whatever else is set', () => {
    assert.equal(on({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), undefined);
    assert.equal(on({ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), undefined);
    assert.equal(on({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), undefined);
    // Any other value of OTEL_SDK_DISABLED is false (the specification's rule for booleans).
    assert.deepEqual(on({ OTEL_SDK_DISABLED: 'no', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })?.exporters, ['otlp']);
  });

  it('refuses what it cannot honour, naming the variable', () => {
    const refused = (env: Record<string, string>, message: RegExp) => assert.throws(() => loadConfig(env), message);
    refused({ OTEL_TRACES_EXPORTER: 'zipkin' }, /OTEL_TRACES_EXPORTER: expected otlp, console or none, got "zipkin"/);
    refused({ OTEL_TRACES_EXPORTER: 'none,otlp' }, /OTEL_TRACES_EXPORTER: "none" cannot be combined/);
    refused(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      /OTEL_EXPORTER_OTLP_PROTOCOL: .*http\/json only, got "grpc"/,
    );
    refused({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }, /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL/);
    refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:\/\/ or https:\/\/ URL/);
    assert.deepEqual(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing?.exporters, ['otlp']);
  });
});

await eachDialect(describe, 'tracing', (dialect) => {
  let db: TestDatabase;
  let receiver: OtlpReceiver;
  let project: Created;
  before(async () => {
    db = await createTestDatabase(dialect);
    receiver = new OtlpReceiver();
    await receiver.start();
    project = parseJson<Created>(await parley(['project', 'create', '--name', 'traced', '--json', '--database', db.url]));
  });
  after(async () => {
    await receiver.close();
    await db.drop();
  });

  /** A client call as the SDK makes it (text/plain JSON, App-Key and a bearer). */
  const client = (base: string, path: string, bearer: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'app-key': project.appKey.header, authorization: `Bearer ${bearer}`, 'content-type': 'text/plain;charset=UTF-8', ...headers },
      body: JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, body: (await res.json()) as { error: { code: string }; data: Record<string, unknown> } }));

  it('exports a span per request named by its route, with its statements and broker notes as children', async () => {
    const modules = moduleLog();
    const server = new Server(['--port', '0', '--database', db.url], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'parley-under-test',
      // Nothing is exported on the batch timer during the test: what arrives was flushed by the shutdown.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      PARLEY_REDIS_URL: 'redis://127.0.0.1:6379',
      PARLEY_REDIS_PREFIX: `parley-otel-${randomBytes(4).toString('hex')}:`,
      ...modules.env,
    });
    const base = await server.listening();
    const ticket = await postJson(
      `${base}/v1/server/auth_ticket/request`,
      { 'server-key': project.serverKey.header },
      { ...POWERTALK_SEED_REQUEST, xcUserID: 'traced' },
    );
    assert.equal(ticket.status, 200, JSON.stringify(ticket.body));
    const tokens = await client(base, '/v1/auth/access_token/request', ticket.body.data.ticket as string, '');
    assert.equal(tokens.body.error.code, '', JSON.stringify(tokens.body));
    const accessToken = tokens.body.data.accessToken as string;
    // A caller's trace context is taken up (W3C traceparent).
    const callerTrace = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const user = await client(
      base,
      '/v1/client/user/get_by_id',
      accessToken,
      { id: ticket.body.data.userID },
      { traceparent: `00-${callerTrace}-${callerSpan}-01` },
    );
    assert.equal(user.body.error.code, '', JSON.stringify(user.body));
    const logout = await client(base, '/v1/client/logout', accessToken, '');
    assert.equal(logout.body.error.code, '', JSON.stringify(logout.body));
    assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stderr);

    assert.ok(
      modules.loaded().some((url) => url.includes('/@opentelemetry/sdk-trace-node/')),
      'the SDK was loaded',
    );
    const resource = receiver.resources()[0];
    assert.equal(value(resource, 'service.name'), 'parley-under-test');
    assert.equal(value(resource, 'service.version'), VERSION);
    const spans = receiver.spans();
    const system = dialect === 'sqlite' ? 'sqlite' : 'postgresql';
    const request = (route: string) => {
      const span = spans.find((s) => s.kind === SERVER && s.name === `POST ${route}`);
      assert.ok(span, `a server span for ${route} among ${spans.map((s) => s.name).join(', ')}`);
      assert.equal(value(span.attributes, 'http.route'), route);
      assert.equal(value(span.attributes, 'http.request.method'), 'POST');
      assert.equal(value(span.attributes, 'http.response.status_code'), 200);
      return span;
    };
    const childrenOf = (parent: OtlpSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);

    for (const route of ['/v1/server/auth_ticket/request', '/v1/auth/access_token/request', '/v1/client/user/get_by_id']) {
      const span = request(route);
      const statements = childrenOf(span).filter((s) => s.kind === CLIENT);
      assert.ok(statements.length > 0, `${route}: database spans as children`);
      for (const statement of statements) {
        assert.equal(statement.traceId, span.traceId);
        assert.equal(value(statement.attributes, 'db.system.name'), system);
        assert.match(String(value(statement.attributes, 'db.operation.name')), /^[A-Z]+$/);
        assert.equal(statement.name, value(statement.attributes, 'db.operation.name'));
      }
    }
    // The ticket request creates the user: the statement inserting it is its own child, not another request's
    // (on PostgreSQL the turn's batched upsert, `with upserted as (insert into "users" …)`).
    assert.ok(
      childrenOf(request('/v1/server/auth_ticket/request')).some((s) =>
        /^\s*(with upserted as \()?insert into "users"/i.test(String(value(s.attributes, 'db.query.text'))),
      ),
      'the user is inserted under its ticket request',
    );
    const traced = request('/v1/client/user/get_by_id');
    assert.equal(traced.traceId, callerTrace);
    assert.equal(traced.parentSpanId, callerSpan);
    // Logging out announces the ended session to the other nodes through the broker (Redis).
    const notes = childrenOf(request('/v1/client/logout')).filter((s) => s.kind === PRODUCER);
    assert.ok(notes.length > 0, 'a broker span under the logout');
    assert.equal(value(notes[0]?.attributes, 'messaging.system'), 'redis');
  });

  const OFF: Array<[string, Record<string, string>]> = [
    ['no OTEL_* variable', {}],
    ['OTEL_SDK_DISABLED=true beside an endpoint and an exporter', { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }],
  ];
  for (const [what, otel] of OFF) {
    it(`off (${what}): nothing is exported and the SDK is never loaded`, async () => {
      const before = receiver.requests;
      const modules = moduleLog();
      const env = { ...otel, ...modules.env };
      if (env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined) env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
      const server = new Server(['--port', '0', '--database', db.url], env);
      const base = await server.listening();
      const ticket = await postJson(
        `${base}/v1/server/auth_ticket/request`,
        { 'server-key': project.serverKey.header },
        { ...POWERTALK_SEED_REQUEST, xcUserID: 'untraced' },
      );
      assert.equal(ticket.status, 200, JSON.stringify(ticket.body));
      assert.deepEqual(await server.stop(), { code: 0, signal: null }, server.stderr);
      assert.equal(receiver.requests, before, 'nothing reached the collector');
      assert.doesNotMatch(server.stdout, /tracing on/);
      const loaded = modules.loaded();
      // The hook saw the app's own modules (it works), and none of the SDK's.
      assert.ok(
        loaded.some((url) => url.endsWith('/dist/cli/serve.js')),
        'the loader hook recorded the modules of parley serve',
      );
      assert.deepEqual(
        loaded.filter((url) => SDK_MODULES.test(url)),
        [],
      );
    });
  }
});
