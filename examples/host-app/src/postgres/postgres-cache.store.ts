import type { OnApplicationShutdown } from '@nestjs/common';
import Keyv from 'keyv';
import type { KeyvStoreAdapter } from 'keyv';
import { StoreUnavailableError } from 'lapse';
import type {
  BucketRange,
  CacheAccessCounter,
  CacheCounters,
  CacheEntry,
  CacheStore,
  DeleteOutcome,
  ListPage,
  ListQuery,
  NearCacheActivity,
  Precondition,
  PurgeSelector,
  WriteOutcome,
} from 'lapse';
import type { Pool, QueryResultRow } from 'pg';

/** Settings of {@link PostgresCacheStore}. */
export interface PostgresCacheStoreOptions {
  /**
   * Name of the entries table (lower-case letters, digits and `_`); the
   * counters go in `<table>_counts`. Both are created when missing.
   */
  table: string;
  /** How often expired entries are deleted and counted; 0 for never (a caller sweeps). */
  sweepIntervalMs: number;
  /** How long minute and hour activity buckets are kept (ms); default as Lapse: a day, 30 days. */
  retention?: { minute: number; hour: number };
}

/** What Keyv hands its store, and expects back, with its serialisation off. */
interface KeyvRecord {
  value: CacheEntry;
  expires?: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SIZE = { minute: MINUTE, hour: HOUR } as const;
/** The counters kept in `<table>_counts`, besides `evicted` (PostgreSQL evicts nothing). */
const COUNTERS = ['hits', 'misses', 'sets', 'deletes', 'expired'] as const;
/** Most expired rows one sweep statement deletes. */
const SWEEP_BATCH = 1_000;
/** A table name that needs no quoting and cannot inject SQL. */
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,40}$/;

/**
 * A Lapse {@link CacheStore} on PostgreSQL, with the `pg` driver.
 *
 * - Entries live in an `UNLOGGED` table: a cache can lose its contents in a
 *   crash, and skipping the write-ahead log makes writes several times
 *   cheaper. `expires_at` (the entry's own `expiresAt`, the one expiry) is
 *   indexed, so the sweep and the live-entry filters stay cheap.
 * - Keys are `COLLATE "C"`: compared as bytes, which for UTF-8 is the id
 *   order `list()` pages in.
 * - The entry is kept as `json` text, so a value reads back exactly as it
 *   was written (`jsonb` would reorder its keys).
 * - Every operation is one SQL statement: conditional writes lock the row
 *   they check, and the counters (all time, per minute, per hour) move in the
 *   same statement as the data they count.
 */
export class PostgresCacheStore implements CacheStore, OnApplicationShutdown {
  readonly name = 'postgres';
  readonly maxEntries = null;
  readonly keyv: Keyv;

  private readonly entries: string;
  private readonly counts: string;
  private readonly retention: { minute: number; hour: number };
  private readonly sweepTimer: NodeJS.Timeout | undefined;
  private failures = 0;

  private constructor(
    private readonly pool: Pool,
    {
      table,
      sweepIntervalMs,
      retention = { minute: DAY, hour: 30 * DAY },
    }: PostgresCacheStoreOptions,
  ) {
    this.entries = table;
    this.counts = `${table}_counts`;
    this.retention = retention;
    this.keyv = new Keyv(this.keyvAdapter(), {
      serialize: undefined,
      deserialize: undefined,
      useKeyPrefix: false,
      throwOnErrors: true,
    });
    // Errors reach callers as StoreUnavailableError; these events would only repeat them.
    this.keyv.on('error', () => undefined);
    if (sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => {
        this.sweepExpired().catch(() => undefined);
      }, sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  /** Creates the tables when missing, then the store. The pool stays its owner's to end. */
  static async create(pool: Pool, options: PostgresCacheStoreOptions): Promise<PostgresCacheStore> {
    if (!TABLE_NAME.test(options.table)) {
      throw new Error(`Not a plain table name: ${JSON.stringify(options.table)}`);
    }
    const store = new PostgresCacheStore(pool, options);
    await store.query(`
      CREATE UNLOGGED TABLE IF NOT EXISTS ${store.entries} (
        key text COLLATE "C" PRIMARY KEY,
        entry json NOT NULL,
        etag text NOT NULL,
        tags text[] NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${store.entries}_expires_at ON ${store.entries} (expires_at);
      CREATE INDEX IF NOT EXISTS ${store.entries}_tags ON ${store.entries} USING gin (tags);
      CREATE UNLOGGED TABLE IF NOT EXISTS ${store.counts} (
        period text NOT NULL,
        bucket bigint NOT NULL,
        counter text NOT NULL,
        value bigint NOT NULL,
        PRIMARY KEY (period, bucket, counter)
      );
    `);
    return store;
  }

  async setIf(
    key: string,
    entry: CacheEntry,
    _ttlMs: number,
    precondition: Precondition,
    countAsSet = true,
  ): Promise<WriteOutcome> {
    const created = await this.write(key, entry, precondition, countAsSet);
    return created === undefined
      ? { written: false, reason: 'precondition-failed' }
      : { written: true, created };
  }

  async readCounted(key: string): Promise<CacheEntry | undefined> {
    const now = Date.now();
    const { rows } = await this.query<{ entry: CacheEntry }>(
      `WITH found AS (
         SELECT entry FROM ${this.entries} WHERE key = $1 AND expires_at > $2
       ), counted AS (${this.countSql(
         `SELECT CASE WHEN EXISTS (SELECT FROM found) THEN 'hits' ELSE 'misses' END, 1`,
         3,
       )})
       SELECT entry FROM found`,
      [key, now, ...this.buckets(now)],
    );
    return rows[0]?.entry;
  }

  async deleteIf(key: string, precondition: Precondition): Promise<DeleteOutcome> {
    const now = Date.now();
    const { rows } = await this.query<{ live: boolean | null; deleted: boolean }>(
      `WITH current AS (
         SELECT key, etag, expires_at > $2 AS live FROM ${this.entries} WHERE key = $1 FOR UPDATE
       ), deleted AS (
         DELETE FROM ${this.entries} AS e USING current
         WHERE e.key = current.key AND (NOT current.live OR ${this.holdsSql('current.etag', 3)})
         RETURNING current.live
       ), counted AS (${this.countSql(`SELECT 'expired', count(*) FROM deleted WHERE NOT live`, 5)})
       SELECT (SELECT live FROM current) AS live, EXISTS (SELECT FROM deleted) AS deleted`,
      [key, now, ...this.preconditionParams(precondition), ...this.buckets(now)],
    );
    const { live, deleted } = rows[0];
    if (!live) return 'absent';
    return deleted ? 'deleted' : 'precondition-failed';
  }

  async list({ prefix, tag, after, limit }: ListQuery): Promise<ListPage> {
    const { rows } = await this.query<{ key: string; tags: string[]; expires_at: string }>(
      `SELECT key, tags, expires_at FROM ${this.entries}
       WHERE expires_at > $1
         AND ($2::text IS NULL OR starts_with(key, $2))
         AND ($3::text IS NULL OR tags @> ARRAY[$3::text])
         AND ($4::text IS NULL OR key > $4)
       ORDER BY key LIMIT $5`,
      [Date.now(), prefix ?? null, tag ?? null, after ?? null, limit + 1],
    );
    const entries = rows
      .slice(0, limit)
      .map(({ key, tags, expires_at }) => ({ key, tags, expiresAt: Number(expires_at) }));
    return { entries, next: rows.length > limit ? entries[entries.length - 1].key : undefined };
  }

  async purge({ prefix, tag }: PurgeSelector): Promise<number> {
    const now = Date.now();
    const { rows } = await this.query<{ purged: string }>(
      `WITH deleted AS (
         DELETE FROM ${this.entries}
         WHERE ($1::text IS NULL OR starts_with(key, $1)) AND ($2::text IS NULL OR tags @> ARRAY[$2::text])
         RETURNING expires_at > $3 AS live
       ), counted AS (${this.countSql(`SELECT 'expired', count(*) FROM deleted WHERE NOT live`, 4)})
       SELECT count(*) FILTER (WHERE live) AS purged FROM deleted`,
      [prefix ?? null, tag ?? null, now, ...this.buckets(now)],
    );
    return Number(rows[0].purged);
  }

  async countEntries(): Promise<number> {
    const { rows } = await this.query<{ count: string }>(
      `SELECT count(*) FROM ${this.entries} WHERE expires_at > $1`,
      [Date.now()],
    );
    return Number(rows[0].count);
  }

  async increment(counter: CacheAccessCounter, by = 1): Promise<void> {
    const now = Date.now();
    await this.query(
      `WITH counted AS (${this.countSql('SELECT $1::text, $2::bigint', 3)}) SELECT`,
      [counter, by, ...this.buckets(now)],
    );
  }

  async readCounters(): Promise<CacheCounters> {
    const { rows } = await this.query<{ counter: string; value: string }>(
      `SELECT counter, value FROM ${this.counts} WHERE period = 'all'`,
    );
    const counters: CacheCounters = {
      hits: 0,
      misses: 0,
      sets: 0,
      deletes: 0,
      expired: 0,
      evicted: 0,
    };
    for (const { counter, value } of rows) {
      if ((COUNTERS as readonly string[]).includes(counter)) {
        counters[counter as (typeof COUNTERS)[number]] = Number(value);
      }
    }
    return counters;
  }

  async activity({ interval, first, count }: BucketRange): Promise<CacheCounters[]> {
    const size = SIZE[interval];
    const kept = Math.floor((Date.now() - this.retention[interval]) / size) * size;
    const { rows } = await this.query<{ bucket: string; counter: string; value: string }>(
      `SELECT bucket, counter, value FROM ${this.counts}
       WHERE period = $1 AND bucket >= $2 AND bucket >= $3 AND bucket < $4`,
      [interval, first, kept, first + count * size],
    );
    const points = Array.from({ length: count }, () => ({
      hits: 0,
      misses: 0,
      sets: 0,
      deletes: 0,
      expired: 0,
      evicted: 0,
    }));
    for (const { bucket, counter, value } of rows) {
      const point = points[(Number(bucket) - first) / size];
      if (point && (COUNTERS as readonly string[]).includes(counter)) {
        point[counter as (typeof COUNTERS)[number]] = Number(value);
      }
    }
    return points;
  }

  failedCalls(): number {
    return this.failures;
  }

  /** None: every read goes to PostgreSQL. */
  nearCache(): NearCacheActivity {
    return { enabled: false, active: false, entries: 0, hits: 0, invalidations: 0, flushes: 0 };
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
  }

  /**
   * Deletes up to {@link SWEEP_BATCH} expired entries and counts them as
   * `expired` in the same statement; resolves how many. Rows another sweep
   * holds are skipped, so concurrent sweeps (of several instances) never
   * count an entry twice. Activity buckets past their retention go too.
   */
  async sweepExpired(): Promise<number> {
    const now = Date.now();
    const { rows } = await this.query<{ swept: string }>(
      `WITH due AS (
         SELECT key FROM ${this.entries} WHERE expires_at <= $1
         ORDER BY expires_at LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED
       ), deleted AS (
         DELETE FROM ${this.entries} AS e USING due WHERE e.key = due.key AND e.expires_at <= $1
         RETURNING 1
       ), counted AS (${this.countSql(`SELECT 'expired', count(*) FROM deleted`, 2)}),
       aged AS (
         DELETE FROM ${this.counts}
         WHERE (period = 'minute' AND bucket < $4) OR (period = 'hour' AND bucket < $5)
       )
       SELECT count(*) AS swept FROM deleted`,
      [now, ...this.buckets(now), now - this.retention.minute, now - this.retention.hour],
    );
    return Number(rows[0].swept);
  }

  /** Drops both tables (for tests and tear-downs). */
  async drop(): Promise<void> {
    this.onApplicationShutdown();
    await this.query(`DROP TABLE IF EXISTS ${this.entries}, ${this.counts}`);
  }

  /**
   * The one write path, for conditional writes and Keyv's alike: writes if
   * `precondition` holds for the live entry (an expired one counts as none,
   * and is counted `expired` as it is replaced), counting a `sets` if asked.
   * Resolves whether it created the entry (no live one before), or
   * `undefined` when the precondition failed and nothing was written.
   */
  private async write(
    key: string,
    entry: CacheEntry,
    precondition: Precondition,
    countAsSet: boolean,
  ): Promise<boolean | undefined> {
    const now = Date.now();
    // With If-Match, only a live entry may be replaced: nothing is ever inserted.
    const mayInsert = precondition.ifMatch === undefined;
    const { rows } = await this.query<{ created: boolean }>(
      `WITH current AS (
         SELECT expires_at > $2 AS live FROM ${this.entries} WHERE key = $1 FOR UPDATE
       ), written AS (
         INSERT INTO ${this.entries} AS e (key, entry, etag, tags, expires_at)
         SELECT $1::text, $3::json, $4::text, $5::text[], $6::bigint
         -- Reads all of current (an aggregate) before writing: read after, the row this
         -- statement replaced would be invisible to it.
         FROM (SELECT count(*) AS found FROM current) AS before
         WHERE $7::boolean OR before.found > 0
         ON CONFLICT (key) DO UPDATE
           SET entry = excluded.entry, etag = excluded.etag, tags = excluded.tags,
               expires_at = excluded.expires_at
           WHERE (e.expires_at <= $2 AND $7) OR (e.expires_at > $2 AND ${this.holdsSql('e.etag', 8)})
         RETURNING xmax = 0 AS inserted
       ), counted AS (${this.countSql(
         `SELECT 'sets', count(*) FROM written WHERE $10::boolean
          UNION ALL SELECT 'expired', count(*) FROM written, current WHERE NOT current.live`,
         11,
       )})
       SELECT inserted OR coalesce(NOT (SELECT live FROM current), false) AS created FROM written`,
      [
        key,
        now,
        JSON.stringify(entry),
        entry.etag,
        entry.tags,
        entry.expiresAt,
        mayInsert,
        ...this.preconditionParams(precondition),
        countAsSet,
        ...this.buckets(now),
      ],
    );
    return rows[0]?.created;
  }

  /**
   * SQL that adds the `(counter, amount)` rows of `select` to the all-time
   * counters and to the minute and hour buckets given as parameters
   * `$first` and `$first + 1`. Rows are locked in one order, so that
   * concurrent statements never deadlock on them.
   */
  private countSql(select: string, first: number): string {
    return `INSERT INTO ${this.counts} AS c (period, bucket, counter, value)
      SELECT p.period, p.bucket, n.counter, n.amount
      FROM (${select}) AS n (counter, amount)
      CROSS JOIN (VALUES ('all', 0::bigint), ('minute', $${first}::bigint), ('hour', $${first + 1}::bigint))
        AS p (period, bucket)
      WHERE n.amount > 0
      ORDER BY n.counter, p.period
      ON CONFLICT (period, bucket, counter) DO UPDATE SET value = c.value + excluded.value`;
  }

  /** The starts of the current minute and hour. */
  private buckets(now: number): [number, number] {
    return [Math.floor(now / MINUTE) * MINUTE, Math.floor(now / HOUR) * HOUR];
  }

  /**
   * SQL that holds when `precondition` (parameters `$first` to `$first + 1`,
   * from {@link preconditionParams}) holds for a live entry tagged `etag`.
   */
  private holdsSql(etag: string, first: number): string {
    const ifMatch = `$${first}::text[]`;
    const ifNoneMatch = `$${first + 1}::text[]`;
    return `(${ifMatch} IS NULL OR '*' = ANY (${ifMatch}) OR ${etag} = ANY (${ifMatch}))
      AND (${ifNoneMatch} IS NULL OR NOT ('*' = ANY (${ifNoneMatch}) OR ${etag} = ANY (${ifNoneMatch})))`;
  }

  private preconditionParams({
    ifMatch,
    ifNoneMatch,
  }: Precondition): [string[] | null, string[] | null] {
    const asList = (tags: readonly string[] | '*' | undefined): string[] | null =>
      tags === undefined ? null : tags === '*' ? ['*'] : [...tags];
    return [asList(ifMatch), asList(ifNoneMatch)];
  }

  /** Runs a statement; a failure of the connection or the server becomes StoreUnavailableError. */
  private async query<R extends QueryResultRow>(sql: string, params: unknown[] = []) {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      if (!unreachable(error)) throw error;
      this.failures += 1;
      throw new StoreUnavailableError('PostgreSQL cache store unavailable', { cause: error });
    }
  }

  private keyvAdapter(): KeyvStoreAdapter {
    // A Map-like store for Keyv (serialisation off: records are objects).
    const adapter = {
      get: async (key: string): Promise<KeyvRecord | undefined> => {
        const { rows } = await this.query<{ entry: CacheEntry }>(
          `SELECT entry FROM ${this.entries} WHERE key = $1 AND expires_at > $2`,
          [key, Date.now()],
        );
        const entry = rows[0]?.entry;
        return entry && { value: entry, expires: entry.expiresAt };
      },
      // Plain writes through Keyv are counted by whoever made them.
      set: async (key: string, record: KeyvRecord) =>
        (await this.write(key, record.value, {}, false)) !== undefined,
      delete: async (key: string) => (await this.deleteIf(key, {})) === 'deleted',
      clear: async () => {
        await this.purge({});
      },
      has: async (key: string) => (await adapter.get(key)) !== undefined,
    };
    return adapter as unknown as KeyvStoreAdapter;
  }
}

/**
 * Whether `error` says PostgreSQL could not be reached or could not serve
 * (no SQLSTATE: a socket or a timeout; classes 08, 53 and 57: connection,
 * resources, operator), rather than that a statement was wrong.
 */
function unreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || /^(08|53|57)/.test(code);
}
