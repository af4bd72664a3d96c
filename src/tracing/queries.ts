// One CLIENT span per database statement, from Kysely's query log: Kysely calls it after each
// statement (its duration measured) in the caller's async context, so the span is a child of the
// request (or job) that ran the statement. Only the statement text is recorded, with its parameters
// as placeholders: never a value. Used only when tracing is on (Kysely gets no log otherwise).
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ATTR_DB_OPERATION_NAME, ATTR_DB_QUERY_TEXT, ATTR_DB_SYSTEM_NAME, ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { LogEvent } from 'kysely';

/** Statement texts longer than this are cut (multi-row inserts): the span is for timing, not for replay. */
const MAX_TEXT = 2048;

/** `sqlite` or `postgresql`, as OpenTelemetry names them (db.system.name). */
export function querySpans(tracer: Tracer, system: 'sqlite' | 'postgresql'): (event: LogEvent) => void {
  return (event) => {
    const end = performance.timeOrigin + performance.now();
    const text = event.query.sql;
    const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
    const span = tracer.startSpan(operation, {
      kind: SpanKind.CLIENT,
      startTime: end - event.queryDurationMillis,
      attributes: {
        [ATTR_DB_SYSTEM_NAME]: system,
        [ATTR_DB_OPERATION_NAME]: operation,
        [ATTR_DB_QUERY_TEXT]: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text,
      },
    });
    if (event.level === 'error') {
      // The driver's code (23505, SQLITE_BUSY), not its message: messages can quote values.
      const code = (event.error as { code?: unknown } | undefined)?.code;
      span.setAttribute(ATTR_ERROR_TYPE, typeof code === 'string' ? code : 'error');
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(end);
  };
}
