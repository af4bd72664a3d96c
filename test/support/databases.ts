// Every integration test runs on each database: a fresh SQLite file and a fresh PostgreSQL database.
// Under CI=true an unreachable PostgreSQL fails the run; elsewhere those cases are skipped loudly.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DialectName } from '../../src/storage/dialect.ts';

export const DIALECTS: readonly DialectName[] = ['sqlite', 'postgres'];

const ADMIN_URL = process.env.PARLEY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

let pgReachable: Promise<boolean> | undefined;

async function checkPostgres(): Promise<boolean> {
  // Generous: on a loaded 2-core machine (another test file creating databases, a checkpoint) a live
  // PostgreSQL once took over 3 s to accept; an unreachable one still fails the run, only later.
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 20_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (err) {
    if (process.env.CI === 'true') {
      throw new Error(`PostgreSQL is required under CI=true but ${ADMIN_URL} is unreachable: ${(err as Error).message}`);
    }
    console.warn(`\n!!! PostgreSQL unreachable at ${ADMIN_URL}: PostgreSQL tests are SKIPPED (they fail under CI=true)\n`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether the dialect can run here; throws under CI when PostgreSQL is missing. */
export async function dialectAvailable(dialect: DialectName): Promise<boolean> {
  if (dialect === 'sqlite') return true;
  pgReachable ??= checkPostgres();
  return pgReachable;
}

export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'parley-test-'));
    return { url: `sqlite:${join(dir, 'parley.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `parley_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * `describe`s the suite once per database. When PostgreSQL is unreachable outside CI its suite is
 * skipped with a reason; under CI=true `dialectAvailable` throws and the run fails.
 */
export async function eachDialect(
  describe: (name: string, options: { skip?: string | boolean }, fn: () => void | Promise<void>) => unknown,
  name: string,
  fn: (dialect: DialectName) => void | Promise<void>,
): Promise<void> {
  for (const dialect of DIALECTS) {
    const available = await dialectAvailable(dialect);
    describe(`${name} [${dialect}]`, { skip: available ? false : 'PostgreSQL unreachable' }, () => fn(dialect));
  }
}
