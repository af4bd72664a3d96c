// Fresh bench databases (a SQLite file in a temp dir, or a PostgreSQL database created and dropped here,
// as test/support/databases.ts does) and the bulk preload of users and contacts for the scale figures.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

export type Dialect = 'sqlite' | 'postgres';

export const PG_ADMIN_URL = process.env.PARLEY_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  dialect: Dialect;
  url: string;
  /** SQLite only: the file whose -wal companion is watched. */
  file?: string;
  drop(): Promise<void>;
}

export async function postgresProblem(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL unreachable at ${PG_ADMIN_URL} (${(err as Error).message}); set PARLEY_BENCH_PG_URL or pass --db sqlite`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function admin(sql: string): Promise<void> {
  await withClient(PG_ADMIN_URL, (client) => client.query(sql));
}

export async function createBenchDatabase(dialect: Dialect, tmpDir: string, label: string): Promise<BenchDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpDir, `${label}-`));
    const file = join(dir, 'parley.db');
    return { dialect, url: `sqlite:${file}`, file, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `parley_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { dialect, url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** The preloaded contact the scale figures update, and its phone (as stored: digits). */
export const preloadedKey = (rows: number) => {
  const n = Math.ceil(rows / 2);
  return { xcUserID: `pre-${n}`, customerUserID: `pre-${n}`, phone: `627${String(n).padStart(10, '0')}` };
};

const SQLITE_PRELOAD = [
  `with recursive g(n) as (select 1 union all select n + 1 from g where n < :rows)
   insert into users (project_id, xc_user_id, fullname, email, phone, username, photo_thumbnail_url, photo_fullsize_url,
     user_role_code, last_ip_address, last_user_agent, last_platform, last_device_id, created_at, updated_at)
   select :project, 'pre-' || n, 'Preloaded User ' || n, 'user' || n || '@example.com', '0899' || n, 'user' || n,
     'http://www.example.com/photo/thumb/' || n || '.jpg', 'http://www.example.com/photo/full/' || n || '.jpg',
     'user', '10.0.0.1', 'bench-preload', 'android', 'device-' || n, :now, :now from g`,
  `with recursive g(n) as (select 1 union all select n + 1 from g where n < :rows)
   insert into contacts (id, project_id, customer_user_id, full_name, alias, email, phone, photo_url, created_at, updated_at)
   select lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-a' || substr(h, 18, 3) || '-' || substr(h, 21, 12)),
     :project, 'pre-' || n, 'Preloaded Contact ' || n, null, 'contact' || n || '@example.com', '627' || printf('%010d', n),
     'http://www.example.com/photo/' || n || '.jpg', :now, :now
   from (select n, hex(randomblob(16)) as h from g)`,
];

const PG_PRELOAD = [
  `insert into users (project_id, xc_user_id, fullname, email, phone, username, photo_thumbnail_url, photo_fullsize_url,
     user_role_code, last_ip_address, last_user_agent, last_platform, last_device_id, created_at, updated_at)
   select $1, 'pre-' || n, 'Preloaded User ' || n, 'user' || n || '@example.com', '0899' || n, 'user' || n,
     'http://www.example.com/photo/thumb/' || n || '.jpg', 'http://www.example.com/photo/full/' || n || '.jpg',
     'user', '10.0.0.1', 'bench-preload', 'android', 'device-' || n, $3, $3 from generate_series(1, $2::int) as n`,
  `insert into contacts (id, project_id, customer_user_id, full_name, alias, email, phone, photo_url, created_at, updated_at)
   select gen_random_uuid()::text, $1, 'pre-' || n, 'Preloaded Contact ' || n, null, 'contact' || n || '@example.com',
     '627' || lpad(n::text, 10, '0'), 'http://www.example.com/photo/' || n || '.jpg', $3, $3
   from generate_series(1, $2::int) as n`,
];

/**
 * Inserts `rows` users and `rows` contacts into the migrated schema in one statement each (SQL-side
 * row generation: no round trip per row), then checkpoints (SQLite) or vacuums, analyzes and checkpoints (PostgreSQL).
 */
export async function preload(db: BenchDatabase, projectId: string, rows: number): Promise<void> {
  const now = Date.now();
  if (db.dialect === 'sqlite') {
    const sqlite = new BetterSqlite3(db.file as string);
    try {
      sqlite.pragma('cache_size = -262144');
      sqlite.transaction(() => {
        for (const sql of SQLITE_PRELOAD) sqlite.prepare(sql).run({ rows, project: projectId, now });
      })();
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      sqlite.close();
    }
    return;
  }
  // One connection per table: the two inserts overlap on the two CPUs.
  await Promise.all(PG_PRELOAD.map((sql) => withClient(db.url, (client) => client.query(sql, [projectId, rows, now]))));
  await withClient(db.url, async (client) => {
    // Done now rather than by autovacuum in the middle of a measured run.
    await client.query('vacuum (analyze) users, contacts');
    await client.query('checkpoint');
  });
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
