import { Agent } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { storeTargets } from './helpers/stores';
import { startTestApp, useTestApp, useTestApps } from './helpers/test-app';
import type { Env, TestApp } from './helpers/test-app';
import { eventually, sleep } from './helpers/time';
import { namesField } from './helpers/messages';

/*
 * The time-bucketed views: GET /interactions/:resourceId/series,
 * GET /interactions?since= and GET /stats/series, on every store.
 *
 * The server's clock cannot be faked, so tests that need every request in one
 * minute bucket first make sure enough of the current minute is left
 * (`inOneMinute`), and read with ISO-8601 bounds taken from the recording
 * times, so that their answers are known exactly. One real minute boundary is
 * crossed per store, in the background while the other tests run (see the
 * last describe block), so that it costs no waiting of its own.
 */

// Tests that need part of a minute to themselves may first wait up to ~10 s for it.
jest.setTimeout(60_000);

const MINUTE = 60_000;
const HOUR = 3_600_000;
const SIZE = { minute: MINUTE, hour: HOUR } as const;
type Interval = keyof typeof SIZE;

/** Start of the `interval` bucket holding `at`, as the server cuts time. */
const floorTo = (at: number, interval: Interval): number =>
  Math.floor(at / SIZE[interval]) * SIZE[interval];
const iso = (at: number): string => new Date(at).toISOString();

interface Point {
  t: string;
  total: number;
  byType: Record<string, number>;
}

interface Series {
  resourceId: string;
  interval: Interval;
  from: string;
  to: string;
  points: Point[];
}

interface ActivityPoint {
  t: string;
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  expired: number;
  evicted: number;
  interactions: number;
}

interface StatsSeries {
  interval: Interval;
  from: string;
  to: string;
  points: ActivityPoint[];
}

interface TopRow {
  resourceId: string;
  total: number;
  lastAt: string;
}

const ACTIVITY_FIELDS = [
  'hits',
  'misses',
  'sets',
  'deletes',
  'expired',
  'evicted',
  'interactions',
] as const;
type ActivityField = (typeof ACTIVITY_FIELDS)[number];

/**
 * Waits, when needed, until the current minute began at least 1 s ago and has
 * at least `needMs` left. Waits at most `needMs` + 1 s.
 */
async function awayFromMinuteEdge(needMs: number): Promise<number> {
  const into = Date.now() % MINUTE;
  if (into < 1000) await sleep(1000 - into);
  else if (into > MINUTE - needMs) await sleep(MINUTE - into + 1000);
  return Date.now();
}

/** Fails when `start` and `end` are not in the same minute (a test took longer than it allowed for). */
function expectOneMinute(start: number, end: number): void {
  if (floorTo(start, 'minute') !== floorTo(end, 'minute')) {
    throw new Error(`took ${end - start} ms and crossed a minute boundary (${iso(start)})`);
  }
}

/** What ran inside one minute: its result, the minute and hour buckets, and when it ended. */
interface InOneMinute<T> {
  result: T;
  minute: number;
  hour: number;
  end: number;
}

/**
 * Runs `work` where at least `needMs` of the current minute are left, and
 * checks that it finished within that minute: everything it recorded is in
 * the bucket of `minute` (and of `hour`).
 */
async function inOneMinute<T>(needMs: number, work: () => Promise<T>): Promise<InOneMinute<T>> {
  const start = await awayFromMinuteEdge(needMs);
  const result = await work();
  const end = Date.now();
  expectOneMinute(start, end);
  return { result, minute: floorTo(start, 'minute'), hour: floorTo(start, 'hour'), end };
}

/** Every app listens, so that keep-alive connections are reused. */
const LISTEN = { listen: true };

/** Boots the app on `env`; the caller closes it. */
const boot = (env: Env): Promise<TestApp> => startTestApp(env, LISTEN);

/** An app as the reading and recording functions below use it: for its requests. */
type WithHttp = Pick<TestApp, 'http'>;

const http = (app: WithHttp) => app.http();
const path = (resourceId: string): string => `/interactions/${encodeURIComponent(resourceId)}`;

async function seriesOf(
  app: WithHttp,
  resourceId: string,
  query: Record<string, string>,
): Promise<Series> {
  const res = await http(app)
    .get(`${path(resourceId)}/series`)
    .query(query);
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 200 });
  return res.body as Series;
}

async function statsSeriesOf(app: WithHttp, query: Record<string, string>): Promise<StatsSeries> {
  const res = await http(app).get('/stats/series').query(query);
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 200 });
  return res.body as StatsSeries;
}

async function topOf(app: WithHttp, query: Record<string, string> = {}): Promise<TopRow[]> {
  const res = await http(app).get('/interactions').query(query);
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 200 });
  return res.body as TopRow[];
}

async function summaryOf(
  app: WithHttp,
  resourceId: string,
): Promise<{ total: number; byType: Record<string, number>; lastAt: string }> {
  return (await http(app).get(path(resourceId)).expect(200)).body as {
    total: number;
    byType: Record<string, number>;
    lastAt: string;
  };
}

/** `GET /stats` without its uptime. */
async function countersOf(app: WithHttp): Promise<Record<string, unknown>> {
  const body = (await http(app).get('/stats').expect(200)).body as Record<string, unknown>;
  delete body.uptimeSeconds;
  return body;
}

/** Interactions to record: resource id → type → how many. */
type Plan = Record<string, Record<string, number>>;

const totalOf = (byType: Record<string, number>): number =>
  Object.values(byType).reduce((sum, n) => sum + n, 0);

/**
 * Records every interaction of `plan` at once, interleaved across resources
 * and types, through `apps` in turn; each must answer 201.
 */
async function recordAll(apps: WithHttp[], agent: Agent, plan: Plan): Promise<void> {
  const queue: Array<[string, string]> = [];
  for (const [resourceId, byType] of Object.entries(plan)) {
    for (const [type, n] of Object.entries(byType)) {
      for (let i = 0; i < n; i++) queue.push([resourceId, type]);
    }
  }
  // Deterministic interleaving: every k-th item, so no resource goes in one run.
  const order = queue.map((_, i) => (i * 7919) % queue.length);
  expect(new Set(order).size).toBe(queue.length === 0 ? 0 : queue.length);
  const responses = await Promise.all(
    order.map((index, n) => {
      const [resourceId, type] = queue[index];
      return http(apps[n % apps.length])
        .post('/interactions')
        .agent(agent)
        .send({ resourceId, type });
    }),
  );
  for (const res of responses) expect(res.status).toBe(201);
}

/** The starts of the `interval` buckets from the one holding `from` to the one holding `to`. */
function bucketStarts(from: number, to: number, interval: Interval): number[] {
  const starts: number[] = [];
  for (let t = floorTo(from, interval); t <= floorTo(to, interval); t += SIZE[interval]) {
    starts.push(t);
  }
  return starts;
}

/** Checks a series' bounds and bucket starts: oldest first, one per bucket, end exclusive. */
function expectBuckets(
  body: { interval: Interval; from: string; to: string; points: Array<{ t: string }> },
  interval: Interval,
  starts: number[],
): void {
  expect(body.interval).toBe(interval);
  expect(body.points.map((point) => point.t)).toStrictEqual(starts.map(iso));
  if (starts.length > 0) {
    expect(body.from).toBe(iso(starts[0]));
    expect(body.to).toBe(iso(starts[starts.length - 1] + SIZE[interval]));
  }
}

/** The points of a series as bucket start → counts. */
const byStart = (points: Point[]): Map<number, Point> =>
  new Map(points.map((point) => [Date.parse(point.t), point]));

/** A stats point with nothing in it, but its `t`. */
const zeroActivity = {
  hits: 0,
  misses: 0,
  sets: 0,
  deletes: 0,
  expired: 0,
  evicted: 0,
  interactions: 0,
};

/** A point with nothing in it. */
const zeroAt = (t: number): Point => ({ t: iso(t), total: 0, byType: {} });

const activityDelta = (
  after: ActivityPoint,
  before: ActivityPoint,
): Record<ActivityField, number> =>
  Object.fromEntries(
    ACTIVITY_FIELDS.map((field) => [field, after[field] - before[field]]),
  ) as Record<ActivityField, number>;

/** Unique ids, so that tests sharing an app (or a store) never see each other's data. */
const run = Math.random().toString(36).slice(2, 8);
let counter = 0;
const uniqueId = (label: string): string => `${label}-${run}-${++counter}`;

// One Redis and the Redis Cluster, where the test run has them (see global-setup.ts).
const redisTargets = storeTargets.filter((target) => target.store === 'redis');
const describeEachRedis =
  redisTargets.length > 0 ? describe.each(redisTargets) : () => () => undefined;

/* ------------------------------------------------------------------------- */
/* One real minute boundary per store, crossed in the background.            */
/* ------------------------------------------------------------------------- */

/** Interactions and cache activity on both sides of a real minute boundary. */
interface BoundaryRun {
  app: WithHttp;
  /** `fresh` < `gone` < `old` by id. */
  ids: { fresh: string; gone: string; old: string };
  /** The cached entry, written before the boundary and read on both sides. */
  entry: string;
  /** Start of the minute before the boundary; the boundary is `before` + 1 minute. */
  before: number;
  /** When the recording ended (in the minute after the boundary). */
  end: number;
}

const boundaryApps: TestApp[] = [];
const boundaryRuns = new Map<string, Promise<BoundaryRun>>();
/** Cuts the background wait short when the boundary tests are filtered out. */
const stopBoundaryRuns = new AbortController();

const postInteraction = (app: WithHttp, resourceId: string, type: string) =>
  http(app).post('/interactions').send({ resourceId, type }).expect(201);
const readEntry = (app: WithHttp, entry: string) =>
  http(app)
    .get(`/resources/${encodeURIComponent(entry)}`)
    .expect(200);

/**
 * Before the boundary (in the root `beforeAll`, for every store within one
 * minute): `old` view + click, `gone` view, one PUT and one cache hit.
 */
async function beforeBoundary(app: WithHttp, name: string): Promise<BoundaryRun> {
  const prefix = uniqueId(`boundary-${name}`);
  const ids = { fresh: `${prefix}-fresh`, gone: `${prefix}-gone`, old: `${prefix}-old` };
  await postInteraction(app, ids.old, 'view');
  await postInteraction(app, ids.old, 'click');
  await postInteraction(app, ids.gone, 'view');
  await http(app)
    .put(`/resources/${encodeURIComponent(prefix)}`)
    .send({ data: 1 })
    .expect(201);
  await readEntry(app, prefix);
  return { app, ids, entry: prefix, before: floorTo(Date.now(), 'minute'), end: 0 };
}

/**
 * Just after the boundary, in the background while the other tests run:
 * `fresh` 3 views, `old` a share and one more cache hit. The same requests as
 * before it, so that nothing is loaded (`require`d) outside a test or hook,
 * and no `expect`: Jest allows neither between tests.
 */
async function afterBoundary(run: BoundaryRun): Promise<BoundaryRun> {
  const { app, ids, entry, before } = run;
  const boundary = before + MINUTE;
  await delay(Math.max(0, boundary + 250 - Date.now()), undefined, {
    signal: stopBoundaryRuns.signal,
  });
  const start = Date.now();
  for (let i = 0; i < 3; i++) await postInteraction(app, ids.fresh, 'view');
  await postInteraction(app, ids.old, 'share');
  await readEntry(app, entry);
  const end = Date.now();
  expectOneMinute(start, end);
  if (floorTo(start, 'minute') !== boundary) throw new Error(`recorded after ${iso(boundary)}`);
  return { ...run, end };
}

beforeAll(async () => {
  for (const target of storeTargets) boundaryApps.push(await boot(target.env()));
  const start = await awayFromMinuteEdge(8000);
  const runs: BoundaryRun[] = [];
  for (const [i, target] of storeTargets.entries()) {
    runs.push(await beforeBoundary(boundaryApps[i], target.name));
  }
  expectOneMinute(start, Date.now());
  for (const [i, target] of storeTargets.entries()) {
    const running = afterBoundary(runs[i]);
    // Awaited by the last describe block; never an unhandled rejection meanwhile.
    running.catch(() => undefined);
    boundaryRuns.set(target.name, running);
  }
}, 30_000);

afterAll(async () => {
  stopBoundaryRuns.abort();
  await Promise.allSettled(boundaryRuns.values());
  await Promise.all(boundaryApps.map((app) => app.close()));
});

/* ------------------------------------------------------------------------- */

describe.each(storeTargets)('time-bucketed insights ($name store)', (target) => {
  const { name, store, env } = target;

  describe('GET /interactions/:resourceId/series', () => {
    // Registered first, so that the agent's connections are gone before the app closes.
    let agent: Agent;
    beforeAll(() => {
      agent = new Agent({ keepAlive: true, maxSockets: 50 });
    });
    afterAll(() => {
      agent.destroy();
    });
    const app = useTestApp(env, LISTEN);

    it('counts 200 concurrent and some sequential interactions exactly, per type, in their minute and hour', async () => {
      const [hot, warm, cold] = ['hot', 'warm', 'cold'].map(uniqueId);
      const plan: Plan = {
        hot: { view: 100, click: 60, share: 40 },
        warm: { view: 3, click: 4 },
        cold: { 'a.b_c-9': 1 },
      };
      const { minute, hour, end, result } = await inOneMinute(6000, async () => {
        await recordAll([app], agent, { [hot]: plan.hot });
        for (const [type, n] of Object.entries(plan.warm)) {
          for (let i = 0; i < n; i++) {
            await http(app).post('/interactions').send({ resourceId: warm, type }).expect(201);
          }
        }
        await http(app)
          .post('/interactions')
          .send({ resourceId: cold, type: 'a.b_c-9', data: { cached: true } })
          .expect(201);
        // Relative bounds, read while still in the same minute as the recording.
        return seriesOf(app, hot, { interval: 'minute', from: '-5m' });
      });

      // from=-5m: the bucket holding now - 5 min to the one holding now, 6 points.
      const relative = result;
      expect(relative.resourceId).toBe(hot);
      expectBuckets(relative, 'minute', bucketStarts(minute - 5 * MINUTE, minute, 'minute'));
      expect(relative.points.slice(0, 5)).toStrictEqual(
        bucketStarts(minute - 5 * MINUTE, minute - MINUTE, 'minute').map(zeroAt),
      );
      expect(relative.points[5]).toStrictEqual({ t: iso(minute), total: 200, byType: plan.hot });

      for (const [id, byType] of [
        [hot, plan.hot],
        [warm, plan.warm],
        [cold, plan.cold],
      ] as const) {
        // Minutes: the one recorded in, its neighbours zero.
        const minutes = await seriesOf(app, id, {
          interval: 'minute',
          from: iso(minute - MINUTE),
          to: iso(end),
        });
        expect(Object.keys(minutes).sort()).toStrictEqual(
          ['from', 'interval', 'points', 'resourceId', 'to'].sort(),
        );
        expectBuckets(minutes, 'minute', [minute - MINUTE, minute]);
        expect(minutes.points).toStrictEqual([
          zeroAt(minute - MINUTE),
          { t: iso(minute), total: totalOf(byType), byType },
        ]);

        // Hours, over the default day: the hour recorded in holds it all.
        const hours = await seriesOf(app, id, { interval: 'hour', to: iso(end) });
        expectBuckets(hours, 'hour', bucketStarts(end - 24 * HOUR, end, 'hour'));
        const points = byStart(hours.points);
        expect(points.get(hour)).toStrictEqual({ t: iso(hour), total: totalOf(byType), byType });
        for (const [t, point] of points) if (t !== hour) expect(point).toStrictEqual(zeroAt(t));

        // The series sums to the resource's all-time total.
        const summary = await summaryOf(app, id);
        expect(summary.total).toBe(totalOf(byType));
        expect(summary.byType).toStrictEqual(byType);
        for (const series of [minutes, hours]) {
          expect(series.points.reduce((sum, point) => sum + point.total, 0)).toBe(summary.total);
        }
      }
    });

    it('zero-fills: from=-5m gives 6 minute points and from=-3h 4 hour points, counts only where they happened', async () => {
      const id = uniqueId('gaps');
      const { minute, hour, result } = await inOneMinute(4000, async () => {
        await http(app).post('/interactions').send({ resourceId: id }).expect(201);
        await http(app).post('/interactions').send({ resourceId: id, type: 'click' }).expect(201);
        return {
          minutes: await seriesOf(app, id, { from: '-5m' }),
          hours: await seriesOf(app, id, { interval: 'hour', from: '-3h' }),
          now: await seriesOf(app, id, { from: 'now', to: 'now' }),
        };
      });
      const counted = { total: 2, byType: { view: 1, click: 1 } };

      expectBuckets(result.minutes, 'minute', bucketStarts(minute - 5 * MINUTE, minute, 'minute'));
      expect(result.minutes.points).toStrictEqual([
        ...bucketStarts(minute - 5 * MINUTE, minute - MINUTE, 'minute').map(zeroAt),
        { t: iso(minute), ...counted },
      ]);

      expectBuckets(result.hours, 'hour', bucketStarts(hour - 3 * HOUR, hour, 'hour'));
      expect(result.hours.points).toStrictEqual([
        ...bucketStarts(hour - 3 * HOUR, hour - HOUR, 'hour').map(zeroAt),
        { t: iso(hour), ...counted },
      ]);

      expectBuckets(result.now, 'minute', [minute]);
      expect(result.now.points).toStrictEqual([{ t: iso(minute), ...counted }]);
    });

    it('answers a resource never tracked with zero points, not 404', async () => {
      const id = uniqueId('never');
      const { minute, hour, result } = await inOneMinute(3000, async () => ({
        minutes: await seriesOf(app, id, {}),
        hours: await seriesOf(app, id, { interval: 'hour' }),
      }));
      // Defaults: the last hour by minute (61 points), the last day by hour (25).
      expectBuckets(result.minutes, 'minute', bucketStarts(minute - HOUR, minute, 'minute'));
      expect(result.minutes.points).toHaveLength(61);
      expect(result.minutes.points).toStrictEqual(
        bucketStarts(minute - HOUR, minute, 'minute').map(zeroAt),
      );
      expectBuckets(result.hours, 'hour', bucketStarts(hour - 24 * HOUR, hour, 'hour'));
      expect(result.hours.points).toHaveLength(25);
      expect(
        result.hours.points.every((p) => p.total === 0 && Object.keys(p.byType).length === 0),
      ).toBe(true);
      await http(app).get(path(id)).expect(404);
    });

    it('reads ISO-8601 bounds to the buckets holding them, and a to later than now as now', async () => {
      const id = uniqueId('iso');
      const { minute, end } = await inOneMinute(3000, async () => {
        await http(app).post('/interactions').send({ resourceId: id, type: 'share' }).expect(201);
      });

      // Mid-bucket bounds, with an offset: the buckets holding them, both included.
      const from = minute - 10 * MINUTE + 30_500;
      const offset = new Date(from + 2 * HOUR).toISOString().replace('Z', '+02:00');
      const mid = await seriesOf(app, id, { from: offset, to: iso(end) });
      expectBuckets(mid, 'minute', bucketStarts(from, end, 'minute'));
      expect(mid.points).toHaveLength(11);
      expect(mid.points[10]).toStrictEqual({ t: iso(minute), total: 1, byType: { share: 1 } });

      // A to before the interaction leaves it out.
      const earlier = await seriesOf(app, id, { from: iso(from), to: iso(minute - 1) });
      expectBuckets(earlier, 'minute', bucketStarts(from, minute - 1, 'minute'));
      expect(earlier.points.every((point) => point.total === 0)).toBe(true);

      // A to an hour from now is read as now: the last bucket is the current one.
      const before = Date.now();
      const future = await seriesOf(app, id, { from: iso(minute), to: iso(before + HOUR) });
      const after = Date.now();
      const last = Date.parse(future.points[future.points.length - 1].t);
      expect(last).toBeGreaterThanOrEqual(floorTo(before, 'minute'));
      expect(last).toBeLessThanOrEqual(floorTo(after, 'minute'));
      expectBuckets(future, 'minute', bucketStarts(minute, last, 'minute'));
      expect(future.points[0]).toStrictEqual({ t: iso(minute), total: 1, byType: { share: 1 } });

      // A date alone is midnight UTC; an hour series from today's midnight to now.
      const midnight = Math.floor(end / (24 * HOUR)) * 24 * HOUR;
      const today = await seriesOf(app, id, {
        interval: 'hour',
        from: iso(midnight).slice(0, 10),
        to: iso(end),
      });
      expectBuckets(today, 'hour', bucketStarts(midnight, end, 'hour'));
      expect(byStart(today.points).get(floorTo(end, 'hour'))?.total).toBe(1);
    });

    it('reaches back exactly the default retention: 1441 minutes (24h) and 721 hours (30d)', async () => {
      const id = uniqueId('deep');
      const { minute, hour, result } = await inOneMinute(4000, async () => {
        await http(app).post('/interactions').send({ resourceId: id }).expect(201);
        return {
          minutes: await seriesOf(app, id, { from: '-24h' }),
          hours: await seriesOf(app, id, { interval: 'hour', from: '-30d' }),
        };
      });
      expectBuckets(result.minutes, 'minute', bucketStarts(minute - 24 * HOUR, minute, 'minute'));
      expect(result.minutes.points).toHaveLength(1441);
      expect(result.minutes.points.map((p) => p.total).reduce((a, b) => a + b)).toBe(1);
      expect(result.minutes.points[1440].total).toBe(1);
      expectBuckets(result.hours, 'hour', bucketStarts(hour - 720 * HOUR, hour, 'hour'));
      expect(result.hours.points).toHaveLength(721);
      expect(result.hours.points[720].total).toBe(1);
    });
  });

  describe('GET /interactions?since= (top within a window)', () => {
    // Registered first, so that the agent's connections are gone before the app closes.
    let agent: Agent;
    beforeEach(() => {
      agent = new Agent({ keepAlive: true, maxSockets: 50 });
    });
    afterEach(() => {
      agent.destroy();
    });
    // A fresh app per test: the lists hold exactly what the test recorded.
    const app = useTestApp(env, { ...LISTEN, perTest: true });

    it('counts exactly the interactions in the window, and equals the all-time list when all are inside it', async () => {
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(uniqueId);
      const plan: Plan = {
        [a]: { view: 30, click: 20 },
        [b]: { view: 70 },
        [c]: { share: 49 },
        [d]: { view: 1 },
      };
      const { result } = await inOneMinute(6000, async () => {
        await recordAll([app], agent, plan);
        return {
          minute: await topOf(app, { since: '-1m', limit: '1000' }),
          now: await topOf(app, { since: 'now', limit: '1000' }),
          hour: await topOf(app, { since: '-1h', limit: '1000' }),
          day: await topOf(app, { since: '-24h', limit: '1000' }),
          beyondMinutes: await topOf(app, { since: '-25h', limit: '1000' }),
          month: await topOf(app, { since: '-30d', limit: '1000' }),
          allTime: await topOf(app, { limit: '1000' }),
        };
      });
      const expected = [
        [b, 70],
        [a, 50],
        [c, 49],
        [d, 1],
      ];
      expect(result.allTime.map((row) => [row.resourceId, row.total])).toStrictEqual(expected);
      for (const list of [result.minute, result.now, result.hour, result.day]) {
        expect(list).toStrictEqual(result.allTime);
      }
      // Beyond the minute retention (24h), hour buckets: still everything here.
      expect(result.beyondMinutes).toStrictEqual(result.allTime);
      expect(result.month).toStrictEqual(result.allTime);
      for (const row of result.allTime) {
        expect(row.lastAt).toBe((await summaryOf(app, row.resourceId)).lastAt);
      }
    });

    it('orders ties by id in UTF-8 byte order and respects limit', async () => {
      const prefix = uniqueId('tie');
      // U+E000 sorts before U+10000 in UTF-8, after it in UTF-16 (JavaScript's <).
      const ids = [`${prefix}-b`, `${prefix}-\u{10000}`, `${prefix}-a`, `${prefix}-\ue000`];
      const top = `${prefix}-z`;
      const plan: Plan = Object.fromEntries([
        [top, { view: 3 }],
        ...ids.map((id) => [id, { view: 1, click: 1 }]),
      ]);
      const { result } = await inOneMinute(4000, async () => {
        await recordAll([app], agent, plan);
        const lists: Record<string, TopRow[]> = {};
        for (const limit of ['1', '2', '3', '5', '1000']) {
          lists[limit] = await topOf(app, { since: '-1m', limit });
        }
        lists.default = await topOf(app, { since: '-1m' });
        return lists;
      });
      const ranking = [
        top,
        `${prefix}-a`,
        `${prefix}-b`,
        `${prefix}-\ue000`,
        `${prefix}-\u{10000}`,
      ];
      const idsOf = (rows: TopRow[]) => rows.map((row) => row.resourceId);
      expect(result['1000'].map((row) => row.total)).toStrictEqual([3, 2, 2, 2, 2]);
      expect(idsOf(result['1000'])).toStrictEqual(ranking);
      expect(idsOf(result.default)).toStrictEqual(ranking);
      for (const limit of [1, 2, 3, 5]) {
        expect(idsOf(result[String(limit)])).toStrictEqual(ranking.slice(0, limit));
      }
    });
  });

  describe('GET /stats/series', () => {
    const fresh = useTestApps(env, LISTEN);

    /** The current minute's point of a fresh read, checked to be that minute. */
    const currentPoint = async (app: WithHttp, minute: number) => {
      const series = await statsSeriesOf(app, { interval: 'minute', from: iso(minute) });
      expectBuckets(series, 'minute', [minute]);
      return series.points[0];
    };

    it('counts hits, misses, sets, deletes and interactions in the minute and hour they happened', async () => {
      const app = await fresh();
      const agent = new Agent({ keepAlive: true, maxSockets: 50 });
      const r = (id: string) => `/resources/${encodeURIComponent(id)}`;
      const [a, b, c, d, missing] = ['a', 'b', 'c', 'd', 'missing'].map(uniqueId);
      try {
        const { minute, hour, end, result } = await inOneMinute(6000, async () => {
          const before = await currentPoint(app, floorTo(Date.now(), 'minute'));
          const beforeHour = (await statsSeriesOf(app, { interval: 'hour', from: 'now' }))
            .points[0];
          await http(app).put(r(a)).send({ data: 1 }).expect(201);
          await http(app).put(r(b)).send({ data: 2 }).expect(201);
          await http(app).put(r(c)).send({ data: 3 }).expect(201);
          await http(app).put(r(a)).send({ data: 4 }).expect(200);
          await http(app)
            .post('/interactions')
            .send({ resourceId: d, data: [5] })
            .expect(201);
          await recordAll([app], agent, { [a]: { view: 10, click: 10 }, [c]: { share: 3 } });
          await http(app).get(r(a)).expect(200);
          await http(app).get(r(b)).expect(200);
          await http(app).get('/get_cached_resource').query({ id: c }).expect(200);
          await http(app).get(r(missing)).expect(404);
          await http(app)
            .get(r(`${missing}-2`))
            .expect(404);
          const failure = await http(app).get('/get_cached_resource').query({ id: missing });
          expect(failure.body.status).toBe('failure');
          await http(app).delete(r(a)).expect(204);
          await http(app).delete(r(b)).expect(204);
          await http(app).delete(r(missing)).expect(404);
          return {
            before,
            beforeHour,
            after: await currentPoint(app, floorTo(Date.now(), 'minute')),
          };
        });
        const expected = {
          hits: 3,
          misses: 3,
          sets: 5,
          deletes: 2,
          expired: 0,
          evicted: 0,
          interactions: 24,
        };
        expect(result.after.t).toBe(iso(minute));
        expect(activityDelta(result.after, result.before)).toStrictEqual(expected);

        // Read again later, with ISO bounds: the same point, its neighbours untouched.
        const minutes = await statsSeriesOf(app, {
          interval: 'minute',
          from: iso(minute - 2 * MINUTE),
          to: iso(end),
        });
        expectBuckets(minutes, 'minute', bucketStarts(minute - 2 * MINUTE, minute, 'minute'));
        expect(minutes.points[2]).toStrictEqual(result.after);
        for (const point of minutes.points.slice(0, 2)) {
          // A fresh app: nothing happened before (Redis's evicted is server-wide).
          expect({ ...point, evicted: 0 }).toStrictEqual({ ...zeroActivity, t: point.t });
        }

        const hours = await statsSeriesOf(app, { interval: 'hour', from: iso(hour), to: iso(end) });
        expectBuckets(hours, 'hour', [hour]);
        expect(activityDelta(hours.points[0], result.beforeHour)).toStrictEqual(expected);

        // The app is fresh: its all-time counters are the sums of the series.
        const counters = await countersOf(app);
        const day = await statsSeriesOf(app, { interval: 'hour' });
        for (const field of ACTIVITY_FIELDS) {
          if (field === 'evicted' && store === 'redis') continue; // server-wide on Redis
          const sum = day.points.reduce((total, point) => total + point[field], 0);
          expect([field, sum]).toStrictEqual([field, counters[field]]);
        }
      } finally {
        agent.destroy();
      }
    });

    it('counts an entry whose 1 s TTL ran out in expired, in the minute a sweep reclaimed it', async () => {
      const app = await fresh({ CACHE_SWEEP_INTERVAL_MS: '100' });
      const { minute, result } = await inOneMinute(9000, async () => {
        const before = await currentPoint(app, floorTo(Date.now(), 'minute'));
        await http(app)
          .put(`/resources/${uniqueId('lasting')}`)
          .send({ data: 1, ttl: 600 })
          .expect(201);
        await http(app)
          .put(`/resources/${uniqueId('fleeting')}`)
          .send({ data: 2, ttl: 1 })
          .expect(201);
        // Dead after 1 s; the sweep (every 100 ms) reclaims it within about 2 s more.
        let after = before;
        await eventually(async () => {
          after = await currentPoint(app, floorTo(Date.now(), 'minute'));
          expect(after.expired - before.expired).toBe(1);
        }, 6000);
        await sleep(300); // counted once only
        return { before, after: await currentPoint(app, floorTo(Date.now(), 'minute')) };
      });
      expect(result.after.t).toBe(iso(minute));
      const delta = activityDelta(result.after, result.before);
      expect({ ...delta, evicted: 0 }).toStrictEqual({
        hits: 0,
        misses: 0,
        sets: 2,
        deletes: 0,
        expired: 1,
        evicted: 0,
        interactions: 0,
      });
      if (name === 'memory') expect(delta.evicted).toBe(0);
      expect((await countersOf(app)).expired).toBe(1);
    });

    it(
      name === 'memory'
        ? 'counts 2 evictions when 5 entries are written with CACHE_MAX_ENTRIES=3'
        : 'reports evicted as a count (Redis: server-wide) when 5 entries are written',
      async () => {
        const app = await fresh({ CACHE_MAX_ENTRIES: '3' });
        const { minute, result } = await inOneMinute(4000, async () => {
          const before = await currentPoint(app, floorTo(Date.now(), 'minute'));
          for (let i = 0; i < 5; i++) {
            await http(app)
              .put(`/resources/${uniqueId('bounded')}`)
              .send({ data: i })
              .expect(201);
          }
          return { before, after: await currentPoint(app, floorTo(Date.now(), 'minute')) };
        });
        expect(result.after.t).toBe(iso(minute));
        const delta = activityDelta(result.after, result.before);
        expect(delta.sets).toBe(5);
        expect(delta.expired).toBe(0);
        if (name === 'memory') {
          expect(delta.evicted).toBe(2);
          expect((await countersOf(app)).evicted).toBe(2);
        } else {
          expect(Number.isInteger(result.after.evicted)).toBe(true);
          expect(result.after.evicted).toBeGreaterThanOrEqual(0);
        }
      },
    );

    it('zero-fills: from=-5m gives 6 points, all zero on a fresh app but the interactions', async () => {
      const app = await fresh();
      const { minute, result } = await inOneMinute(3000, async () => {
        await http(app)
          .post('/interactions')
          .send({ resourceId: uniqueId('one') })
          .expect(201);
        return statsSeriesOf(app, { from: '-5m' });
      });
      expectBuckets(result, 'minute', bucketStarts(minute - 5 * MINUTE, minute, 'minute'));
      const zero = { hits: 0, misses: 0, sets: 0, deletes: 0, expired: 0, interactions: 0 };
      result.points.forEach((point, i) => {
        const { evicted, ...rest } = point;
        expect(Number.isInteger(evicted)).toBe(true);
        if (name === 'memory') expect(evicted).toBe(0);
        expect(rest).toStrictEqual({ t: point.t, ...zero, interactions: i === 5 ? 1 : 0 });
      });
    });
  });

  describe('short retention (TRACKING_MINUTE_RETENTION=10m, TRACKING_HOUR_RETENTION=2h)', () => {
    const app = useTestApp(
      () => ({ ...env(), TRACKING_MINUTE_RETENTION: '10m', TRACKING_HOUR_RETENTION: '2h' }),
      LISTEN,
    );
    const id = uniqueId('short');

    beforeAll(async () => {
      for (const type of ['view', 'view', 'view', 'click', 'click']) {
        await http(app).post('/interactions').send({ resourceId: id, type }).expect(201);
      }
    });

    const rejects = async (url: string, query: Record<string, string>, words: string[]) => {
      const res = await http(app).get(url).query(query);
      expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 400 });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      for (const word of words)
        expect([word, namesField(res.body, word)]).toStrictEqual([word, true]);
    };

    it.each([
      ['-11m', 'minute'],
      ['-660s', 'minute'],
      ['-1h', 'minute'],
    ])(
      'rejects from=%s (interval=%s) beyond 10m with a 400 naming from, 10m and the variable',
      async (from, interval) => {
        for (const url of [`${path(id)}/series`, '/stats/series']) {
          await rejects(url, { interval, from }, ['from', '10m', 'TRACKING_MINUTE_RETENTION']);
        }
      },
    );

    it.each([['-3h'], ['-1d']])(
      'rejects from=%s (interval=hour) beyond 2h with a 400 naming from, 2h and the variable',
      async (from) => {
        for (const url of [`${path(id)}/series`, '/stats/series']) {
          await rejects(url, { interval: 'hour', from }, ['from', '2h', 'TRACKING_HOUR_RETENTION']);
        }
      },
    );

    it.each([
      ['minute', '-20m', '10m', 'TRACKING_MINUTE_RETENTION'],
      ['minute', '-11m', '10m', 'TRACKING_MINUTE_RETENTION'],
      ['hour', '-3h', '2h', 'TRACKING_HOUR_RETENTION'],
    ])(
      'rejects interval=%s&to=%s beyond the retention with a 400 naming to, the bound and the variable',
      async (interval, to, bound, variable) => {
        for (const url of [`${path(id)}/series`, '/stats/series']) {
          await rejects(url, { interval, to }, ['to', bound, variable]);
        }
      },
    );

    it('cuts the default span at the retention: to=-9m gives the 2 minutes from 10 minutes ago', async () => {
      const { minute, result } = await inOneMinute(3000, async () => ({
        series: await seriesOf(app, id, { to: '-9m' }),
        stats: await statsSeriesOf(app, { to: '-9m' }),
      }));
      for (const series of [result.series, result.stats]) {
        expectBuckets(series, 'minute', [minute - 10 * MINUTE, minute - 9 * MINUTE]);
      }
    });

    it('accepts from=-10m (11 points) and -9m (10), -2h (3 hours) and -1h (2)', async () => {
      const { minute, hour, result } = await inOneMinute(3000, async () => ({
        m10: await seriesOf(app, id, { from: '-10m' }),
        m10s: await seriesOf(app, id, { from: '-600s' }),
        m9: await seriesOf(app, id, { from: '-9m' }),
        h2: await seriesOf(app, id, { interval: 'hour', from: '-2h' }),
        h1: await seriesOf(app, id, { interval: 'hour', from: '-1h' }),
        stats: await statsSeriesOf(app, { from: '-10m' }),
        defaultMinutes: await seriesOf(app, id, {}),
        defaultHours: await seriesOf(app, id, { interval: 'hour' }),
      }));
      expectBuckets(result.m10, 'minute', bucketStarts(minute - 10 * MINUTE, minute, 'minute'));
      expect(result.m10.points).toHaveLength(11);
      expect(result.m10s).toStrictEqual(result.m10);
      expectBuckets(result.m9, 'minute', bucketStarts(minute - 9 * MINUTE, minute, 'minute'));
      expect(result.m9.points).toHaveLength(10);
      expectBuckets(result.h2, 'hour', bucketStarts(hour - 2 * HOUR, hour, 'hour'));
      expectBuckets(result.h1, 'hour', [hour - HOUR, hour]);
      expect(result.stats.points).toHaveLength(11);
      // Without from, the default span (an hour, a day) is cut to what is kept.
      expect(result.defaultMinutes).toStrictEqual(result.m10);
      expect(result.defaultHours).toStrictEqual(result.h2);
      // Everything here was recorded within the last 10 minutes.
      for (const series of [result.m10, result.m9, result.h2, result.h1]) {
        expect(series.points.reduce((sum, point) => sum + point.total, 0)).toBe(5);
      }
    });

    it('windows since=-5m by minute, and since=-11m, -30m, -2h by hour; since=-3h is a 400 naming since and 2h', async () => {
      for (const since of ['-5m', '-10m', '-11m', '-30m', '-2h']) {
        const rows = await topOf(app, { since, limit: '1000' });
        expect([since, rows.map((row) => [row.resourceId, row.total])]).toStrictEqual([
          since,
          [[id, 5]],
        ]);
      }
      for (const since of ['-3h', '-180m', '-1d']) {
        await rejects('/interactions', { since }, ['since', '2h', 'TRACKING_HOUR_RETENTION']);
      }
      expect((await summaryOf(app, id)).total).toBe(5);
    });
  });

  describe('the longest minute retention (TRACKING_MINUTE_RETENTION=7d)', () => {
    // Registered first, so that the agent's connections are gone before the app closes.
    let agent: Agent;
    beforeAll(() => {
      agent = new Agent({ keepAlive: true, maxSockets: 50 });
    });
    afterAll(() => {
      agent.destroy();
    });
    const app = useTestApp(() => ({ ...env(), TRACKING_MINUTE_RETENTION: '7d' }), LISTEN);

    it('counts windows of up to 7 days of minute buckets (10081) exactly', async () => {
      const [p, q] = ['p', 'q'].map(uniqueId);
      const plan: Plan = { [p]: { view: 20, click: 5 }, [q]: { view: 30 } };
      const { minute, result } = await inOneMinute(6000, async () => {
        await recordAll([app], agent, plan);
        const windows: Record<string, TopRow[]> = {};
        for (const since of ['-7d', '-6d', '-5d', '-1d', '-1m']) {
          windows[since] = await topOf(app, { since, limit: '1000' });
        }
        return {
          windows,
          series: await seriesOf(app, p, { from: '-7d' }),
          stats: await statsSeriesOf(app, { from: '-7d' }),
        };
      });
      for (const [since, rows] of Object.entries(result.windows)) {
        expect([since, rows.map((row) => [row.resourceId, row.total])]).toStrictEqual([
          since,
          [
            [q, 30],
            [p, 25],
          ],
        ]);
      }
      expectBuckets(
        result.series,
        'minute',
        bucketStarts(minute - 7 * 24 * HOUR, minute, 'minute'),
      );
      expect(result.series.points).toHaveLength(10_081);
      expect(result.series.points[10_080]).toStrictEqual({
        t: iso(minute),
        total: 25,
        byType: plan[p],
      });
      expect(result.series.points.reduce((sum, point) => sum + point.total, 0)).toBe(25);
      expect(result.stats.points).toHaveLength(10_081);
      expect(result.stats.points[10_080].interactions).toBe(55);
      // Beyond 7d: hour buckets (30d by default).
      expect((await topOf(app, { since: '-8d' })).map((row) => row.total)).toStrictEqual([30, 25]);
    });
  });

  describe('validation: 400 naming the field, never 500, changing nothing', () => {
    const app = useTestApp(env, LISTEN);
    const id = uniqueId('validated');
    const later = () => iso(Date.now() + HOUR);

    beforeAll(async () => {
      await http(app)
        .put(`/resources/${encodeURIComponent(id)}`)
        .send({ data: 1 })
        .expect(201);
      await http(app)
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(200);
      await http(app).post('/interactions').send({ resourceId: id, type: 'click' }).expect(201);
    });

    /** Everything a rejected request must leave as it was. */
    const snapshot = async () => ({
      counters: await countersOf(app),
      summary: await summaryOf(app, id),
      top: await topOf(app, { limit: '1000' }),
      windowed: await topOf(app, { since: '-1h', limit: '1000' }),
      series: (await seriesOf(app, id, { interval: 'hour' })).points.map((p) => p.total),
    });

    const expectRejected = async (url: string, query: Record<string, string>, words: string[]) => {
      const before = await snapshot();
      const res = await http(app).get(url).query(query);
      expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 400 });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.statusCode).toBe(400);
      for (const word of words)
        expect([word, namesField(res.body, word)]).toStrictEqual([word, true]);
      expect(await snapshot()).toStrictEqual(before);
    };

    type Case = [string, () => Record<string, string>, string[]];
    const seriesCases: Case[] = [
      ['interval=day', () => ({ interval: 'day' }), ['interval']],
      ['interval=Minute', () => ({ interval: 'Minute' }), ['interval']],
      ['interval= (empty)', () => ({ interval: '' }), ['interval']],
      ['from=yesterday', () => ({ from: 'yesterday' }), ['from']],
      ['from=15m (no sign)', () => ({ from: '15m' }), ['from']],
      ['from=-15', () => ({ from: '-15' }), ['from']],
      ['from=-1.5h', () => ({ from: '-1.5h' }), ['from']],
      ['from=-15M', () => ({ from: '-15M' }), ['from']],
      ['from=+1h', () => ({ from: '+1h' }), ['from']],
      ['from=2026-13-01', () => ({ from: '2026-13-01' }), ['from']],
      ['from without a zone', () => ({ from: '2026-11-27T08:00:00' }), ['from']],
      ['from= (empty)', () => ({ from: '' }), ['from']],
      ['from=2026-02-30 (no such day)', () => ({ from: '2026-02-30' }), ['from']],
      ['from=2026-04-31T10:00Z (no such day)', () => ({ from: '2026-04-31T10:00Z' }), ['from']],
      ['to=later', () => ({ to: 'later' }), ['to']],
      [
        'to=-25h (minute retention 24h)',
        () => ({ to: '-25h' }),
        ['to', '24h', 'TRACKING_MINUTE_RETENTION'],
      ],
      [
        'to=-31d (hour retention 30d)',
        () => ({ interval: 'hour', to: '-31d' }),
        ['to', '30d', 'TRACKING_HOUR_RETENTION'],
      ],
      ['to=1h', () => ({ to: '1h' }), ['to']],
      ['from later than to', () => ({ from: '-1m', to: '-5m' }), ['from']],
      ['from in the future', () => ({ from: later() }), ['from']],
      [
        'from=-25h (minute retention 24h)',
        () => ({ from: '-25h' }),
        ['from', '24h', 'TRACKING_MINUTE_RETENTION'],
      ],
      [
        'from=-1441m (minute retention 24h)',
        () => ({ interval: 'minute', from: '-1441m' }),
        ['from', '24h', 'TRACKING_MINUTE_RETENTION'],
      ],
      [
        'from=-31d (hour retention 30d)',
        () => ({ interval: 'hour', from: '-31d' }),
        ['from', '30d', 'TRACKING_HOUR_RETENTION'],
      ],
      [
        'from=-721h (hour retention 30d)',
        () => ({ interval: 'hour', from: '-721h' }),
        ['from', '30d', 'TRACKING_HOUR_RETENTION'],
      ],
      ['an unknown parameter', () => ({ bucket: 'minute' }), ['bucket']],
    ];

    it.each(seriesCases)('GET /interactions/:id/series with %s', async (_label, query, words) => {
      await expectRejected(`${path(id)}/series`, query(), words);
    });

    it.each(seriesCases)('GET /stats/series with %s', async (_label, query, words) => {
      await expectRejected('/stats/series', query(), words);
    });

    it('GET /interactions/:id/series with a 1025-character id, naming resourceId', async () => {
      await expectRejected(`${path('x'.repeat(1025))}/series`, {}, ['resourceId']);
    });

    it('a repeated parameter', async () => {
      await expectRejected(`${path(id)}/series?interval=minute&interval=hour`, {}, ['interval']);
      await expectRejected('/stats/series?from=-1m&from=-2m', {}, ['from']);
      await expectRejected('/interactions?since=-1m&since=-2m', {}, ['since']);
    });

    it.each<Case>([
      [
        'since=-31d (hour retention 30d)',
        () => ({ since: '-31d' }),
        ['since', '30d', 'TRACKING_HOUR_RETENTION'],
      ],
      [
        'since=-721h (hour retention 30d)',
        () => ({ since: '-721h' }),
        ['since', '30d', 'TRACKING_HOUR_RETENTION'],
      ],
      ['since in the future', () => ({ since: later() }), ['since']],
      ['since=yesterday', () => ({ since: 'yesterday' }), ['since']],
      ['since=1h (no sign)', () => ({ since: '1h' }), ['since']],
      ['since=-1w', () => ({ since: '-1w' }), ['since']],
      ['since= (empty)', () => ({ since: '' }), ['since']],
      ['since with limit=0', () => ({ since: '-1h', limit: '0' }), ['limit']],
      ['since with limit=1001', () => ({ since: '-1h', limit: '1001' }), ['limit']],
      ['since with an unknown parameter', () => ({ since: '-1h', until: 'now' }), ['until']],
    ])('GET /interactions with %s', async (_label, query, words) => {
      await expectRejected('/interactions', query(), words);
    });

    it('accepts the edges: from=-24h, interval=hour&from=-30d, since=-30d, since=now', async () => {
      expect((await seriesOf(app, id, { from: '-24h' })).points).toHaveLength(1441);
      expect((await seriesOf(app, id, { interval: 'hour', from: '-30d' })).points).toHaveLength(
        721,
      );
      expect((await statsSeriesOf(app, { interval: 'hour', from: '-30d' })).points).toHaveLength(
        721,
      );
      expect((await topOf(app, { since: '-30d' })).map((row) => row.resourceId)).toStrictEqual([
        id,
      ]);
      await topOf(app, { since: 'now' });
    });
  });
});

describeEachRedis('two instances sharing one Redis: series and windows ($name)', (redisTarget) => {
  let a: TestApp;
  let b: TestApp;
  let agent: Agent;

  beforeAll(async () => {
    // One env() call: both instances get the same namespace.
    const env = redisTarget.env();
    a = await boot(env);
    b = await boot(env);
    agent = new Agent({ keepAlive: true, maxSockets: 50 });
  });
  afterAll(async () => {
    agent.destroy();
    await Promise.all([a.close(), b.close()]);
  });

  it('counts interactions recorded concurrently through both exactly, read from either', async () => {
    const [x, y, z] = ['x', 'y', 'z'].map((label) => uniqueId(`shared-${label}`));
    const plan: Plan = {
      [x]: { view: 80, click: 40 },
      [y]: { view: 100 },
      [z]: { share: 30, view: 50 },
    };
    const { minute, hour, end, result } = await inOneMinute(8000, async () => {
      const before = (await statsSeriesOf(a, { from: 'now' })).points[0];
      await http(a)
        .put(`/resources/${encodeURIComponent(x)}`)
        .send({ data: 1 })
        .expect(201);
      await http(b)
        .get(`/resources/${encodeURIComponent(x)}`)
        .expect(200);
      await http(a)
        .get(`/resources/${encodeURIComponent(y)}`)
        .expect(404);
      await recordAll([a, b], agent, plan);
      return { before };
    });

    for (const app of [a, b]) {
      for (const [id, byType] of Object.entries(plan)) {
        const minutes = await seriesOf(app, id, {
          from: iso(minute - MINUTE),
          to: iso(end),
        });
        expect(minutes.points).toStrictEqual([
          zeroAt(minute - MINUTE),
          { t: iso(minute), total: totalOf(byType), byType },
        ]);
        const hours = await seriesOf(app, id, { interval: 'hour', from: iso(hour), to: iso(end) });
        expect(hours.points).toStrictEqual([{ t: iso(hour), total: totalOf(byType), byType }]);
        expect(await summaryOf(app, id)).toMatchObject({ total: totalOf(byType), byType });
      }
      const window = await topOf(app, { since: iso(minute), limit: '1000' });
      expect(window.map((row) => [row.resourceId, row.total])).toStrictEqual([
        [x, 120],
        [y, 100],
        [z, 80],
      ]);
      expect(window).toStrictEqual(await topOf(app, { limit: '1000' }));

      const stats = await statsSeriesOf(app, { from: iso(minute), to: iso(end) });
      expect(activityDelta(stats.points[0], result.before)).toMatchObject({
        hits: 1,
        misses: 1,
        sets: 1,
        deletes: 0,
        expired: 0,
        interactions: 300,
      });
    }
  });
});

describe.each(storeTargets)('a real minute boundary ($name store)', ({ name }) => {
  let boundary: BoundaryRun;

  beforeAll(async () => {
    boundary = await (boundaryRuns.get(name) as Promise<BoundaryRun>);
  }, 75_000);

  it('files each interaction in the minute it happened, and both in their hour', async () => {
    const { app, ids, before, end } = boundary;
    const after = before + MINUTE;
    const range = { from: iso(before - 2 * MINUTE), to: iso(end) };
    const starts = bucketStarts(before - 2 * MINUTE, end, 'minute');
    expect(starts).toStrictEqual([before - 2 * MINUTE, before - MINUTE, before, after]);

    const old = await seriesOf(app, ids.old, range);
    expectBuckets(old, 'minute', starts);
    expect(old.points).toStrictEqual([
      zeroAt(before - 2 * MINUTE),
      zeroAt(before - MINUTE),
      { t: iso(before), total: 2, byType: { view: 1, click: 1 } },
      { t: iso(after), total: 1, byType: { share: 1 } },
    ]);
    expect((await seriesOf(app, ids.fresh, range)).points).toStrictEqual([
      zeroAt(before - 2 * MINUTE),
      zeroAt(before - MINUTE),
      zeroAt(before),
      { t: iso(after), total: 3, byType: { view: 3 } },
    ]);
    expect((await seriesOf(app, ids.gone, range)).points).toStrictEqual([
      zeroAt(before - 2 * MINUTE),
      zeroAt(before - MINUTE),
      { t: iso(before), total: 1, byType: { view: 1 } },
      zeroAt(after),
    ]);

    // Hours: one bucket, or two when the boundary was also an hour's.
    const hours = await seriesOf(app, ids.old, {
      interval: 'hour',
      from: iso(before),
      to: iso(end),
    });
    if (floorTo(before, 'hour') === floorTo(after, 'hour')) {
      expect(hours.points).toStrictEqual([
        { t: iso(floorTo(before, 'hour')), total: 3, byType: { view: 1, click: 1, share: 1 } },
      ]);
    } else {
      expect(hours.points).toStrictEqual([
        { t: iso(floorTo(before, 'hour')), total: 2, byType: { view: 1, click: 1 } },
        { t: iso(after), total: 1, byType: { share: 1 } },
      ]);
    }
  });

  it('leaves out of a window what happened before it, from the start of the minute holding since', async () => {
    const { app, ids, before } = boundary;
    const after = before + MINUTE;
    const rows = async (since: string) =>
      (await topOf(app, { since, limit: '1000' })).map((row) => [row.resourceId, row.total]);

    // From the boundary: gone is absent, old counts only its share.
    expect(await rows(iso(after))).toStrictEqual([
      [ids.fresh, 3],
      [ids.old, 1],
    ]);
    expect(await rows(iso(boundary.end))).toStrictEqual(await rows(iso(after)));
    // From a millisecond earlier: the minute before counts in full; fresh and old tie at 3.
    const whole = [
      [ids.fresh, 3],
      [ids.old, 3],
      [ids.gone, 1],
    ];
    expect(await rows(iso(after - 1))).toStrictEqual(whole);
    expect(await rows(iso(before))).toStrictEqual(whole);
    expect(await rows('-1h')).toStrictEqual(whole);
    expect(
      (await topOf(app, { limit: '1000' })).map((row) => [row.resourceId, row.total]),
    ).toStrictEqual(whole);
    expect(
      (await topOf(app, { since: iso(after), limit: '1' })).map((r) => r.resourceId),
    ).toStrictEqual([ids.fresh]);
  });

  it('files cache activity and interactions in the minute they happened', async () => {
    const { app, before, end } = boundary;
    const series = await statsSeriesOf(app, { from: iso(before), to: iso(end) });
    expectBuckets(series, 'minute', [before, before + MINUTE]);
    const [first, second] = series.points.map(({ evicted, ...rest }) => {
      if (name === 'memory') expect(evicted).toBe(0);
      return rest;
    });
    expect(first).toStrictEqual({
      t: iso(before),
      hits: 1,
      misses: 0,
      sets: 1,
      deletes: 0,
      expired: 0,
      interactions: 3,
    });
    expect(second).toStrictEqual({
      t: iso(before + MINUTE),
      hits: 1,
      misses: 0,
      sets: 0,
      deletes: 0,
      expired: 0,
      interactions: 4,
    });
  });
});
