import { StoreUnavailableError } from 'lapse';
import type {
  BucketRange,
  InteractionSummary,
  SeriesPoint,
  TopResource,
  TrackingStore,
  TypeBound,
} from 'lapse';
import type { Pool, PoolClient, QueryResultRow } from 'pg';

/** Settings of {@link PostgresTrackingStore}. */
export interface PostgresTrackingStoreOptions {
  /** Prefix of the store's tables (lower-case letters, digits and `_`); created when missing. */
  table: string;
  /** Most resources remembered; beyond it, the least recently recorded one is dropped. */
  maxResources: number;
  /** How long minute and hour buckets are kept (ms). */
  retention: { minute: number; hour: number };
  /** How many distinct interaction types each resource keeps. */
  types: TypeBound;
}

type Interval = BucketRange['interval'];
/** One bucket: its interval and start. */
interface BucketRef {
  interval: Interval;
  start: number;
}

const SIZE: Record<Interval, number> = { minute: 60_000, hour: 3_600_000 };
const INTERVALS: readonly Interval[] = ['minute', 'hour'];
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,40}$/;

const bucketOf = (at: number, interval: Interval): number =>
  Math.floor(at / SIZE[interval]) * SIZE[interval];

/**
 * A Lapse {@link TrackingStore} on PostgreSQL, with the `pg` driver, in
 * `UNLOGGED` tables (counts that may be lost in a crash, written without the
 * write-ahead log).
 *
 * Each `record()` is one transaction holding the store's advisory lock: the
 * type bound, the drop of the least recently recorded resource and every
 * count move together, so counts are exact under any concurrency. A resource
 * tracked again after a drop starts a new life (a fresh sequence number), so
 * buckets of its old life never count for the new one. Reads are single
 * statements; windowed top lists are one aggregate over the window's buckets.
 */
export class PostgresTrackingStore implements TrackingStore {
  private readonly t: string;

  private constructor(
    private readonly pool: Pool,
    private readonly options: PostgresTrackingStoreOptions,
  ) {
    this.t = options.table;
  }

  /** Creates the tables when missing, then the store. The pool stays its owner's to end. */
  static async create(
    pool: Pool,
    options: PostgresTrackingStoreOptions,
  ): Promise<PostgresTrackingStore> {
    if (!TABLE_NAME.test(options.table)) {
      throw new Error(`Not a plain table name: ${JSON.stringify(options.table)}`);
    }
    const store = new PostgresTrackingStore(pool, options);
    const { t } = store;
    await store.query(
      pool,
      `
      CREATE UNLOGGED TABLE IF NOT EXISTS ${t}_state (
        id int PRIMARY KEY, interactions bigint NOT NULL, sequence bigint NOT NULL
      );
      INSERT INTO ${t}_state VALUES (1, 0, 0) ON CONFLICT DO NOTHING;
      CREATE UNLOGGED TABLE IF NOT EXISTS ${t}_resources (
        resource_id text COLLATE "C" PRIMARY KEY,
        life bigint NOT NULL,
        total bigint NOT NULL,
        first_at bigint NOT NULL,
        last_at bigint NOT NULL,
        recorded bigint NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${t}_resources_recorded ON ${t}_resources (recorded);
      CREATE INDEX IF NOT EXISTS ${t}_resources_top ON ${t}_resources (total DESC, resource_id);
      CREATE UNLOGGED TABLE IF NOT EXISTS ${t}_types (
        resource_id text COLLATE "C" NOT NULL,
        type text NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (resource_id, type)
      );
      CREATE UNLOGGED TABLE IF NOT EXISTS ${t}_buckets (
        period text NOT NULL,
        bucket bigint NOT NULL,
        resource_id text COLLATE "C" NOT NULL,
        life bigint NOT NULL,
        type text NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (period, bucket, resource_id, life, type)
      );
      CREATE UNLOGGED TABLE IF NOT EXISTS ${t}_activity (
        period text NOT NULL, bucket bigint NOT NULL, count bigint NOT NULL,
        PRIMARY KEY (period, bucket)
      );
    `,
    );
    return store;
  }

  async record(resourceId: string, type: string, at: number): Promise<number | undefined> {
    const { t } = this;
    const { maxResources, types } = this.options;
    return this.transaction(async (client) => {
      await this.query(client, `SELECT pg_advisory_xact_lock(hashtext($1))`, [t]);
      const known = await this.query<{ type: string }>(
        client,
        `SELECT type FROM ${t}_types WHERE resource_id = $1`,
        [resourceId],
      );
      const held = known.rows.map((row) => row.type);
      const others = held.filter((each) => each !== types.reserved).length;
      if (type !== types.reserved && !held.includes(type) && others >= types.maxTypes - 1) {
        return undefined;
      }
      const state = await this.query<{ sequence: string }>(
        client,
        `UPDATE ${t}_state SET interactions = interactions + 1, sequence = sequence + 1
         WHERE id = 1 RETURNING sequence`,
      );
      const sequence = state.rows[0].sequence;
      const tracked = await this.query<{ life: string }>(
        client,
        `SELECT life FROM ${t}_resources WHERE resource_id = $1`,
        [resourceId],
      );
      let life = tracked.rows[0]?.life;
      if (life === undefined) {
        life = sequence;
        // Room for one more: drop the least recently recorded resource(s), and their types.
        await this.query(
          client,
          `WITH dropped AS (
             DELETE FROM ${t}_resources WHERE resource_id IN (
               SELECT resource_id FROM ${t}_resources ORDER BY recorded
               LIMIT greatest(0, (SELECT count(*) FROM ${t}_resources) - $1 + 1)
             ) RETURNING resource_id
           )
           DELETE FROM ${t}_types WHERE resource_id IN (SELECT resource_id FROM dropped)`,
          [maxResources],
        );
        await this.query(client, `INSERT INTO ${t}_resources VALUES ($1, $2, 0, $3, $3, $2)`, [
          resourceId,
          life,
          at,
        ]);
      }
      const updated = await this.query<{ total: string }>(
        client,
        `UPDATE ${t}_resources SET total = total + 1, last_at = greatest(last_at, $2), recorded = $3
         WHERE resource_id = $1 RETURNING total`,
        [resourceId, at, sequence],
      );
      const [minute, hour] = INTERVALS.map((interval) => bucketOf(at, interval));
      await this.query(
        client,
        `WITH typed AS (
           INSERT INTO ${t}_types VALUES ($1, $2, 1)
           ON CONFLICT (resource_id, type) DO UPDATE SET count = ${t}_types.count + 1
         ), bucketed AS (
           INSERT INTO ${t}_buckets VALUES ('minute', $3, $1, $5, $2, 1), ('hour', $4, $1, $5, $2, 1)
           ON CONFLICT (period, bucket, resource_id, life, type)
           DO UPDATE SET count = ${t}_buckets.count + 1
         )
         INSERT INTO ${t}_activity VALUES ('minute', $3, 1), ('hour', $4, 1)
         ON CONFLICT (period, bucket) DO UPDATE SET count = ${t}_activity.count + 1`,
        [resourceId, type, minute, hour, life],
      );
      return Number(updated.rows[0].total);
    });
  }

  async summary(resourceId: string): Promise<InteractionSummary | undefined> {
    const { rows } = await this.query<{
      total: string;
      first_at: string;
      last_at: string;
      types: Array<[string, number]>;
    }>(
      this.pool,
      `SELECT r.total, r.first_at, r.last_at,
         (SELECT coalesce(json_agg(json_build_array(type, count)), '[]') FROM ${this.t}_types
          WHERE resource_id = r.resource_id) AS types
       FROM ${this.t}_resources r WHERE r.resource_id = $1`,
      [resourceId],
    );
    const row = rows[0];
    return (
      row && {
        resourceId,
        total: Number(row.total),
        // fromEntries defines own properties: a type named `__proto__` stays a count.
        byType: Object.fromEntries(row.types.map(([type, count]) => [type, Number(count)])),
        firstAt: Number(row.first_at),
        lastAt: Number(row.last_at),
      }
    );
  }

  async top(limit: number): Promise<TopResource[]> {
    const { rows } = await this.query<{ resource_id: string; total: string; last_at: string }>(
      this.pool,
      `SELECT resource_id, total, last_at FROM ${this.t}_resources
       ORDER BY total DESC, resource_id LIMIT $1`,
      [limit],
    );
    return rows.map(toTopResource);
  }

  async countInteractions(): Promise<number> {
    const { rows } = await this.query<{ interactions: string }>(
      this.pool,
      `SELECT interactions FROM ${this.t}_state WHERE id = 1`,
    );
    return Number(rows[0].interactions);
  }

  async series(resourceId: string, range: BucketRange): Promise<SeriesPoint[]> {
    const { interval, first, count } = range;
    const size = SIZE[interval];
    const { rows } = await this.query<{ bucket: string; type: string; count: string }>(
      this.pool,
      `SELECT b.bucket, b.type, b.count FROM ${this.t}_buckets b
       JOIN ${this.t}_resources r ON r.resource_id = b.resource_id AND r.life = b.life
       WHERE b.resource_id = $1 AND b.period = $2 AND b.bucket >= $3 AND b.bucket >= $4
         AND b.bucket < $5`,
      [resourceId, interval, first, this.oldestKept(interval), first + count * size],
    );
    const points = Array.from({ length: count }, (_, i) => ({
      t: first + i * size,
      total: 0,
      byType: {},
    }));
    for (const row of rows) {
      const point = points[(Number(row.bucket) - first) / size];
      point.total += Number(row.count);
      Object.defineProperty(point.byType, row.type, {
        value: Number(row.count),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return points;
  }

  async topWithin(window: BucketRange, limit: number): Promise<TopResource[]> {
    const buckets = this.coveringBuckets(window);
    if (buckets.length === 0 || limit <= 0) return [];
    const { rows } = await this.query<{ resource_id: string; total: string; last_at: string }>(
      this.pool,
      `SELECT b.resource_id, sum(b.count) AS total, r.last_at
       FROM ${this.t}_buckets b
       JOIN ${this.t}_resources r ON r.resource_id = b.resource_id AND r.life = b.life
       JOIN unnest($1::text[], $2::bigint[]) AS w (period, bucket)
         ON w.period = b.period AND w.bucket = b.bucket
       GROUP BY b.resource_id, r.last_at
       ORDER BY total DESC, b.resource_id LIMIT $3`,
      [buckets.map((b) => b.interval), buckets.map((b) => b.start), limit],
    );
    return rows.map(toTopResource);
  }

  async activity({ interval, first, count }: BucketRange): Promise<number[]> {
    const size = SIZE[interval];
    const { rows } = await this.query<{ bucket: string; count: string }>(
      this.pool,
      `SELECT bucket, count FROM ${this.t}_activity
       WHERE period = $1 AND bucket >= $2 AND bucket >= $3 AND bucket < $4`,
      [interval, first, this.oldestKept(interval), first + count * size],
    );
    const counts = Array<number>(count).fill(0);
    for (const row of rows) counts[(Number(row.bucket) - first) / size] = Number(row.count);
    return counts;
  }

  /** Deletes buckets past their retention; resolves how many rows went. */
  async pruneBuckets(): Promise<number> {
    const { rows } = await this.query<{ pruned: string }>(
      this.pool,
      `WITH b AS (
         DELETE FROM ${this.t}_buckets
         WHERE (period = 'minute' AND bucket < $1) OR (period = 'hour' AND bucket < $2) RETURNING 1
       ), a AS (
         DELETE FROM ${this.t}_activity
         WHERE (period = 'minute' AND bucket < $1) OR (period = 'hour' AND bucket < $2) RETURNING 1
       )
       SELECT (SELECT count(*) FROM b) + (SELECT count(*) FROM a) AS pruned`,
      [this.oldestKept('minute'), this.oldestKept('hour')],
    );
    return Number(rows[0].pruned);
  }

  /** Drops the store's tables (for tests and tear-downs). */
  async drop(): Promise<void> {
    const { t } = this;
    await this.query(
      this.pool,
      `DROP TABLE IF EXISTS ${t}_state, ${t}_resources, ${t}_types, ${t}_buckets, ${t}_activity`,
    );
  }

  /** The start of the oldest bucket of `interval` still kept. */
  private oldestKept(interval: Interval): number {
    return bucketOf(Date.now() - this.options.retention[interval], interval);
  }

  /**
   * The kept buckets that cover `window`: whole hours of a minute window read
   * from their hour bucket (as Lapse's own stores do), the rest bucket by bucket.
   */
  private coveringBuckets({ interval, first, count }: BucketRange): BucketRef[] {
    const size = SIZE[interval];
    const end = first + count * size;
    const oldestHour = this.oldestKept('hour');
    const buckets: BucketRef[] = [];
    let start = Math.max(first, this.oldestKept(interval));
    while (start < end) {
      if (
        interval === 'minute' &&
        start % SIZE.hour === 0 &&
        start + SIZE.hour <= end &&
        start >= oldestHour
      ) {
        buckets.push({ interval: 'hour', start });
        start += SIZE.hour;
      } else {
        buckets.push({ interval, start });
        start += size;
      }
    }
    return buckets;
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new StoreUnavailableError('PostgreSQL tracking store unavailable', { cause: error });
    }
    try {
      await this.query(client, 'BEGIN');
      const result = await work(client);
      await this.query(client, 'COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Runs a statement; a failure of the connection or the server becomes StoreUnavailableError. */
  private async query<R extends QueryResultRow>(
    on: Pool | PoolClient,
    sql: string,
    params: unknown[] = [],
  ) {
    try {
      return await on.query<R>(sql, params);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      const unreachable =
        typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || /^(08|53|57)/.test(code);
      if (!unreachable) throw error;
      throw new StoreUnavailableError('PostgreSQL tracking store unavailable', { cause: error });
    }
  }
}

function toTopResource(row: { resource_id: string; total: string; last_at: string }): TopResource {
  return { resourceId: row.resource_id, total: Number(row.total), lastAt: Number(row.last_at) };
}
