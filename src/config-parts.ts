// Parsers of the settings that need more than a number or a choice: the connection cap derived from
// the open-file limit, the trusted proxies and the file store. Used by config.ts, the only reader of process.env.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import proxyAddr from '@fastify/proxy-addr';

/** The proxies in front of Parley: none, how many hops, or which addresses / CIDR ranges. */
export type TrustProxy = false | number | readonly string[];

/** The soft open-file limit of this process (Linux: /proc/self/limits), or undefined where unknown. */
export function readOpenFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isInteger(soft) && soft > 0 ? soft : undefined;
  } catch {
    return undefined;
  }
}

/** Descriptors kept for everything but client connections: database, logs, Redis, NATS, Node itself. */
export function descriptorReserve(openFiles: number, pgPoolSize: number): number {
  return Math.max(64 + pgPoolSize, Math.ceil(openFiles / 10));
}

/**
 * PARLEY_MAX_CONNECTIONS, or what the open-file limit leaves after the reserve: a server that runs out
 * of descriptors cannot accept anyone, nor open its database. Where the limit is unknown, 10,000.
 */
export function connectionCap(raw: string | undefined, pgPoolSize: number, openFiles: number | undefined, problems: string[]): number {
  const room = openFiles === undefined ? undefined : openFiles - descriptorReserve(openFiles, pgPoolSize);
  const limitText =
    openFiles === undefined ? '' : `the open-file limit (${openFiles}) leaves ${room} after a reserve of ${descriptorReserve(openFiles, pgPoolSize)}`;
  if (raw === undefined) {
    if (room === undefined) return 10_000;
    if (room < 16) problems.push(`PARLEY_MAX_CONNECTIONS: ${limitText}; raise it (ulimit -n)`);
    return Math.max(room, 1);
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000) {
    problems.push(`PARLEY_MAX_CONNECTIONS: expected an integer from 1 to 10000000, got "${raw}"`);
    return 1;
  }
  if (room !== undefined && n > room) problems.push(`PARLEY_MAX_CONNECTIONS: ${n} is more than ${limitText}; raise the limit (ulimit -n) or lower this`);
  return n;
}

/**
 * `false`, a hop count, or a comma-separated list of proxy addresses / CIDR ranges (or proxy-addr's
 * names `loopback`, `linklocal`, `uniquelocal`). `true` is refused: it trusted every hop, so any client
 * could choose its own address by writing X-Forwarded-For.
 */
export function parseTrustProxy(raw: string | undefined, problems: string[]): TrustProxy {
  if (raw === undefined || raw.toLowerCase() === 'false' || raw === '0') return false;
  if (raw.toLowerCase() === 'true') {
    problems.push(
      'PARLEY_TRUST_PROXY: "true" (trust every hop) lets any client choose its address; give the number of proxies in front of Parley (e.g. 1) or their addresses (e.g. 10.0.0.0/8)',
    );
    return false;
  }
  if (/^[0-9]+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) problems.push(`PARLEY_TRUST_PROXY: expected at most 10 hops, got "${raw}"`);
    return hops;
  }
  const list = raw.split(',').map((item) => item.trim());
  for (const item of list) {
    try {
      proxyAddr.compile(item);
    } catch {
      problems.push(`PARLEY_TRUST_PROXY: "${item}" is not an address, a CIDR range, loopback, linklocal or uniquelocal`);
    }
  }
  return Object.freeze(list);
}

/** An S3-compatible bucket for uploaded files (PARLEY_S3_*); path-style addressing. */
export interface S3Config {
  readonly bucket: string;
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
}

export interface FilesConfig {
  /** Local directory of the file store (unused when `s3` is set). */
  readonly dir: string;
  readonly s3: S3Config | undefined;
  /** Base of fileURL links (scheme, host, optional path); from each request's host when unset. */
  readonly publicUrl: string | undefined;
}

/**
 * PARLEY_FILES_DIR (default: `files/` beside the SQLite file, ./data/files for PostgreSQL or `:memory:`),
 * PARLEY_S3_BUCKET and its companions, PARLEY_PUBLIC_URL.
 */
export function parseFilesConfig(get: (name: string) => string | undefined, databaseUrl: string, problems: string[]): FilesConfig {
  let fallback = join('data', 'files');
  const sqlite = /^postgres(ql)?:\/\//i.test(databaseUrl) ? undefined : databaseUrl.replace(/^sqlite:(\/\/)?/i, '');
  if (sqlite !== undefined && sqlite !== ':memory:' && sqlite !== '') fallback = join(dirname(sqlite), 'files');
  const bucket = get('PARLEY_S3_BUCKET');
  const endpoint = get('PARLEY_S3_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) problems.push(`PARLEY_S3_ENDPOINT: expected an http or https URL, got "${endpoint}"`);
  const accessKeyId = get('PARLEY_S3_ACCESS_KEY_ID');
  const secretAccessKey = get('PARLEY_S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    problems.push('PARLEY_S3_ACCESS_KEY_ID and PARLEY_S3_SECRET_ACCESS_KEY: give both or neither (neither: the AWS default chain)');
  }
  if (bucket === undefined && (endpoint !== undefined || accessKeyId !== undefined))
    problems.push('PARLEY_S3_BUCKET: required when other PARLEY_S3_ variables are set');
  const publicUrl = get('PARLEY_PUBLIC_URL')?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !(URL.canParse(publicUrl) && /^https?:$/.test(new URL(publicUrl).protocol))) {
    problems.push(`PARLEY_PUBLIC_URL: expected an http or https URL, got "${publicUrl}"`);
  }
  return Object.freeze({
    dir: get('PARLEY_FILES_DIR') ?? fallback,
    s3: bucket === undefined ? undefined : Object.freeze({ bucket, endpoint, region: get('PARLEY_S3_REGION') ?? 'us-east-1', accessKeyId, secretAccessKey }),
    publicUrl,
  });
}

/** Where spans go once tracing is on: an OTLP/HTTP (JSON) collector, or the console (debugging). */
export type TraceExporter = 'otlp' | 'console';

/** OpenTelemetry tracing, on only when the standard variables ask for it (docs/configuration.md, "Tracing"). */
export interface TracingSettings {
  readonly exporters: readonly TraceExporter[];
  /** OTEL_SERVICE_NAME, `parley` by default. */
  readonly serviceName: string;
}

/**
 * Tracing is off unless asked for, and OTEL_SDK_DISABLED=true turns it off whatever else is set.
 * OTEL_TRACES_EXPORTER names the exporters (`otlp`, `console`, or `none`); unset, an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) turns OTLP on. The OTLP exporter
 * speaks HTTP with JSON bodies: another protocol asked for is refused rather than silently replaced.
 */
export function parseTracing(get: (name: string) => string | undefined, problems: string[]): TracingSettings | undefined {
  if (get('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const endpoints = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'].filter((name) => get(name) !== undefined);
  const named = get('OTEL_TRACES_EXPORTER')
    ?.split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const exporters: TraceExporter[] = [];
  for (const name of named ?? (endpoints.length > 0 ? ['otlp'] : [])) {
    if (name === 'otlp' || name === 'console') {
      if (!exporters.includes(name)) exporters.push(name);
    } else if (name !== 'none') {
      problems.push(`OTEL_TRACES_EXPORTER: expected otlp, console or none, got "${name}"`);
    }
  }
  if (named?.includes('none') && named.length > 1) problems.push('OTEL_TRACES_EXPORTER: "none" cannot be combined with an exporter');
  if (exporters.length === 0) return undefined;
  if (exporters.includes('otlp')) {
    for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
      const protocol = get(name);
      if (protocol !== undefined && protocol !== 'http/json') problems.push(`${name}: Parley exports traces as http/json only, got "${protocol}"`);
    }
    for (const name of endpoints) {
      const raw = get(name) as string;
      if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) problems.push(`${name}: expected an http:// or https:// URL, got "${raw}"`);
    }
  }
  return Object.freeze({ exporters: Object.freeze(exporters), serviceName: get('OTEL_SERVICE_NAME') ?? 'parley' });
}
