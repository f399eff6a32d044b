import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Pool } from 'pg';
import request from 'supertest';
import type { App } from 'supertest/types';
import { AppModule } from '../src/app.module';
import { QuoteCatalogue } from '../src/quotes/quote-catalogue';
import { testPool, uniqueTable } from './postgres';

/**
 * The host app over HTTP: Lapse's routes under /cache and the app's own
 * /quotes, both on the PostgreSQL stores (checked in their tables).
 */
/** The host app on tables of its own in the run's PostgreSQL. */
async function startApp(cacheTable: string, trackingTable: string): Promise<INestApplication<App>> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        connectionString: process.env.TEST_POSTGRES_URL as string,
        cacheTable,
        trackingTable,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication<INestApplication<App>>();
  await app.init();
  return app;
}

/** Drops the tables {@link startApp} made. */
async function dropTables(pool: Pool, cacheTable: string, trackingTable: string): Promise<void> {
  await pool.query(
    `DROP TABLE IF EXISTS ${cacheTable}, ${cacheTable}_counts, ${trackingTable}_state,
       ${trackingTable}_resources, ${trackingTable}_types, ${trackingTable}_buckets,
       ${trackingTable}_activity`,
  );
}

describe('Host app (e2e)', () => {
  let app: INestApplication<App>;
  let pool: Pool;
  const cacheTable = uniqueTable('e2e_cache');
  const trackingTable = uniqueTable('e2e_tracking');

  beforeAll(async () => {
    pool = testPool();
    app = await startApp(cacheTable, trackingTable);
  });

  afterAll(async () => {
    await app?.close();
    await dropTables(pool, cacheTable, trackingTable);
    await pool.end();
  });

  const http = () => request(app.getHttpServer());

  /** Keys of the cache's table in PostgreSQL, in order. */
  async function keysInPostgres(): Promise<string[]> {
    const { rows } = await pool.query<{ key: string }>(
      `SELECT key FROM ${cacheTable} ORDER BY key`,
    );
    return rows.map(({ key }) => key);
  }

  describe('Lapse under /cache', () => {
    it('stores a resource in PostgreSQL and reads it back', async () => {
      const data = { name: 'kept', list: [1, 2, 3] };

      await http().put('/cache/resources/doc-1').send({ data, ttl: 60 }).expect(201);
      const read = await http().get('/cache/resources/doc-1').expect(200);

      expect(read.body).toMatchObject({ id: 'doc-1', data });
      expect(await keysInPostgres()).toContain('doc-1');
    });

    it('answers 404 for a resource never stored, and serves nothing outside /cache', async () => {
      await http().get('/cache/resources/never-stored').expect(404);
      await http().get('/resources/doc-1').expect(404);
    });

    it('deletes a resource from PostgreSQL', async () => {
      await http().put('/cache/resources/doc-2').send({ data: 'short-lived' }).expect(201);

      await http().delete('/cache/resources/doc-2').expect(204);

      await http().get('/cache/resources/doc-2').expect(404);
      expect(await keysInPostgres()).not.toContain('doc-2');
    });

    it('reports the PostgreSQL store in /cache/stats', async () => {
      const stats = await http().get('/cache/stats').expect(200);

      expect(stats.body).toMatchObject({ store: 'postgres', maxEntries: null });
      expect(stats.body.entries).toBeGreaterThanOrEqual(1);
    });

    it('tracks interactions in PostgreSQL', async () => {
      await http()
        .post('/cache/interactions')
        .send({ resourceId: 'doc-1', type: 'view' })
        .expect(201);
      await http()
        .post('/cache/interactions')
        .send({ resourceId: 'doc-1', type: 'click' })
        .expect(201);

      const summary = await http().get('/cache/interactions/doc-1').expect(200);

      expect(summary.body).toMatchObject({ resourceId: 'doc-1', total: 2 });
      const { rows } = await pool.query<{ total: string }>(
        `SELECT total FROM ${trackingTable}_resources WHERE resource_id = 'doc-1'`,
      );
      expect(rows).toStrictEqual([{ total: '2' }]);
    });
  });

  describe("the app's own /quotes, through CacheService", () => {
    it('looks a quote up once, then serves it from the cache', async () => {
      const catalogue = app.get(QuoteCatalogue);
      const before = catalogue.lookupCount();

      const first = await http().get('/quotes/knuth').expect(200);
      const second = await http().get('/quotes/knuth').expect(200);

      expect(first.body).toMatchObject({ id: 'knuth', author: 'Donald Knuth', cached: false });
      expect(second.body).toStrictEqual({ ...first.body, cached: true });
      expect(catalogue.lookupCount() - before).toBe(1);
    });

    it("puts its entries in Lapse's cache, visible and purgeable under /cache", async () => {
      await http().get('/quotes/hoare').expect(200);

      const entry = await http().get('/cache/resources/quote:hoare').expect(200);
      expect(entry.body).toMatchObject({ data: { id: 'hoare', author: 'Tony Hoare' } });
      expect(await keysInPostgres()).toContain('quote:hoare');

      await http().delete('/cache/resources?tag=quotes').expect(200);
      const after = await http().get('/quotes/hoare').expect(200);
      expect(after.body).toMatchObject({ id: 'hoare', cached: false });
    });

    it('answers 404 for a quote it does not have, and caches nothing for it', async () => {
      await http().get('/quotes/nobody').expect(404);

      expect(await keysInPostgres()).not.toContain('quote:nobody');
    });
  });
});

describe('Host app (e2e) without its PostgreSQL', () => {
  let app: INestApplication<App>;
  const cacheTable = uniqueTable('e2e_gone_cache');
  const trackingTable = uniqueTable('e2e_gone_tracking');

  beforeAll(async () => {
    app = await startApp(cacheTable, trackingTable);
    await request(app.getHttpServer()).get('/quotes/knuth').expect(200);
    // The app's pool is closed under it: every query now fails without reaching PostgreSQL.
    await app.get(Pool).end();
  });

  afterAll(async () => {
    await app?.close();
    const pool = testPool();
    await dropTables(pool, cacheTable, trackingTable);
    await pool.end();
  });

  it("answers 503 on Lapse's routes", async () => {
    const http = () => request(app.getHttpServer());

    await http().get('/cache/resources/quote:knuth').expect(503);
    await http().put('/cache/resources/doc-1').send({ data: 1 }).expect(503);
    await http().post('/cache/interactions').send({ resourceId: 'doc-1' }).expect(503);
  });

  it("answers 503 on the app's own /quotes", async () => {
    await request(app.getHttpServer()).get('/quotes/knuth').expect(503);
  });
});
