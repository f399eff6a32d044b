import { TrackingStore } from '../src/tracking/tracking-store';
import { storeTargets } from './helpers/stores';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/*
 * GET /interactions?since= with many resources tracked, on every store: the
 * windowed top list reads each bucket's leaders, never every resource, so it
 * answers (within REDIS_TIMEOUT_MS on Redis) and finds the heavy hitters
 * with their exact counts (docs/top-lists.md).
 */

jest.setTimeout(120_000);

const MINUTE = 60_000;
const RESOURCES = 20_000;

interface TopRow {
  resourceId: string;
  total: number;
  lastAt: string;
}

describe.each(storeTargets)('windowed top lists with many resources ($name store)', ({ env }) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp(env());
    // Filled through the store itself: 20,000 requests would take longer than
    // what they test. A hundred calls at a time: a fill, not a load test.
    const store = app.app.get<TrackingStore>(TrackingStore);
    const start = Date.now() - 50 * MINUTE;
    for (let i = 0; i < RESOURCES; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          store.record(
            `bulk-${i + j}`,
            'view',
            start + Math.floor(((i + j) / RESOURCES) * 50 * MINUTE),
          ),
        ),
      );
    }
    const post = (resourceId: string, type = 'view') =>
      app.http().post('/interactions').send({ resourceId, type }).expect(201);
    for (let i = 0; i < 5; i++) await post('hot-a');
    for (let i = 0; i < 3; i++) await post('hot-b');
    await post('hot-b', 'click');
    // The last bulk resource: one interaction 50 minutes ago, two now.
    await post(`bulk-${RESOURCES - 1}`);
    await post(`bulk-${RESOURCES - 1}`);
  });

  afterAll(async () => {
    await app?.close();
  });

  const topOf = async (query: Record<string, string>): Promise<TopRow[]> =>
    (await app.http().get('/interactions').query(query).expect(200)).body as TopRow[];

  it.each(['-15m', '-1h', '-24h', '-30d'])(
    'lists the heavy hitters since=%s first, with their exact counts and last times',
    async (since) => {
      // The dashboard's query: ten rows, three heavy hitters and ties at one.
      const rows = await topOf({ since, limit: '10' });

      expect(rows.slice(0, 3).map(({ resourceId, total }) => [resourceId, total])).toStrictEqual([
        ['hot-a', 5],
        ['hot-b', 4],
        [`bulk-${RESOURCES - 1}`, 3],
      ]);
      expect(rows.slice(3).map(({ total }) => total)).toStrictEqual(Array(7).fill(1));
      for (const row of rows.slice(0, 3)) {
        const summary = await app
          .http()
          .get(`/interactions/${encodeURIComponent(row.resourceId)}`)
          .expect(200);
        expect(row.lastAt).toBe((summary.body as { lastAt: string }).lastAt);
      }
    },
  );

  it('fills the rest of a longer list with resources of the window, highest first', async () => {
    const rows = await topOf({ since: '-1h', limit: '50' });

    expect(rows).toHaveLength(50);
    expect(rows.slice(0, 3).map(({ total }) => total)).toStrictEqual([5, 4, 3]);
    expect(
      rows.slice(3).every(({ total, resourceId }) => total === 1 && resourceId.startsWith('bulk-')),
    ).toBe(true);
    expect(new Set(rows.map(({ resourceId }) => resourceId)).size).toBe(50);
  });
});
