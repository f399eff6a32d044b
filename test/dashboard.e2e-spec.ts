import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { testAdapter } from './helpers/adapters';
import { json, startOrigin } from './helpers/origin-server';
import { freePort, isRunning, serverProcessSuite } from './helpers/server-process';
import { eventually, sleep } from './helpers/time';

/** A name the browser resolves to the loopback address itself (`.test` is reserved for this). */
const PAGE_HOST = 'lapse.test';
/** Debian's Chromium: the browser is the system's, never one downloaded by the tests. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_MISSING = `Chromium not found at ${CHROMIUM}; install Debian's chromium package`;
/** Without the background-networking flags Chromium keeps calling home on a closed network. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Chromium trusts 127.0.0.1 as if it were HTTPS, which would hide what breaks a page
  // served over plain HTTP elsewhere: the page is opened under a name of its own.
  `--host-resolver-rules=MAP ${PAGE_HOST} 127.0.0.1`,
];

const ROOT = join(__dirname, '..');
/** UPDATE_SCREENSHOT=1 also writes the README's image, after a few minutes of traffic. */
const updatingScreenshot = process.env.UPDATE_SCREENSHOT === '1';
/** Rounds of traffic, and the pause between them, so that the charts have several minutes. */
const TRAFFIC = updatingScreenshot ? { rounds: 36, pauseMs: 5000 } : { rounds: 1, pauseMs: 0 };
const TOP_LIMIT = 10;
const WINDOWS = ['-15m', '-1h', '-24h'] as const;
const API_KEY = 'k1';
/** The colour of each chart's first line (see charts.js). */
const FIRST_SERIES_COLOUR: [number, number, number] = [0x00, 0x72, 0xb2];

jest.setTimeout(updatingScreenshot ? 400_000 : 60_000);

const ARTICLE = 'https://example.com/articles/42';
const ARTICLE_DATA = { title: 'Hello, Lapse', author: 'Ada', views: 3 };
const ARTICLE_TAGS = ['articles', 'featured'];
const ARTICLE_TTL = 600;

/** The page formats numbers and times as the browser's locale does: fixed here. */
const LOCALE = 'en-US';
const TIMEZONE = 'UTC';
const count = (value: number): string => value.toLocaleString(LOCALE);
const percent = (value: number): string =>
  `${new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 }).format(value)}%`;
const clockTime = (iso: string): string =>
  new Intl.DateTimeFormat(LOCALE, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZone: TIMEZONE,
  }).format(new Date(iso));

/** `GET /stats`, as far as the page shows it. */
interface Stats {
  entries: number;
  maxEntries: number | null;
  hits: number;
  misses: number;
  hitRatio: number;
  interactions: number;
  origin: Record<'fetches' | 'revalidations' | 'staleServed' | 'errors' | 'joined', number>;
}

interface TopRow {
  resourceId: string;
  total: number;
}

interface SeriesPoint {
  t: string;
  total: number;
  byType: Record<string, number>;
}

/** The part of a canvas element that the pixel check reads (the tests compile without DOM types). */
interface CanvasLike {
  width: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): ImageLike };
  height: number;
}
interface ImageLike {
  data: ArrayLike<number>;
}

/** The page's session storage, where an entered key is kept. */
interface TabStorage {
  sessionStorage: { getItem(key: string): string | null };
}

const chromiumFound = existsSync(CHROMIUM);
if (!chromiumFound) {
  if (process.env.CI === 'true') {
    describe('GET /dashboard in a browser', () => {
      it('needs Chromium', () => {
        throw new Error(CHROMIUM_MISSING);
      });
    });
  } else {
    process.stdout.write(`\nNotice: ${CHROMIUM_MISSING}. The dashboard suite is skipped.\n`);
  }
}

(chromiumFound ? describe : describe.skip)(`GET /dashboard in a browser (${testAdapter})`, () => {
  const processes = serverProcessSuite('dashboard');
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'lapse-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      locale: LOCALE,
      timezoneId: TIMEZONE,
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  /**
   * Starts `node dist/main.js` (memory store) once it answers, and resolves
   * its base URL and that of the page.
   */
  async function startLapse(
    env: Record<string, string> = {},
  ): Promise<{ url: string; dashboard: string }> {
    const port = await freePort();
    const server = processes.start({
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...env,
    });
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => {
      if (!isRunning(server)) throw new Error(`Exited:\n${server.output()}`);
      await request(url).get('/health').expect(200);
    }, 20_000);
    return { url, dashboard: `http://${PAGE_HOST}:${port}/dashboard` };
  }

  /** A new tab, with what went wrong in it collected: script errors and CSP violations. */
  async function openTab(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
    });
    return { page, problems };
  }

  const text = async (page: Page, selector: string): Promise<string> =>
    ((await page.locator(selector).first().textContent()) ?? '').trim();

  it('shows the cache and the tracker as the API reports them, refreshing itself', async () => {
    const { url, dashboard } = await startLapse();
    const api = () => request(url);
    const { page, problems } = await openTab();

    const document = await page.goto(dashboard);
    expect(document?.status()).toBe(200);
    const csp = (await document?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    await eventually(async () => {
      expect(await text(page, '#status')).toMatch(/^Updated \d/);
    }, 10_000);
    expect(await text(page, '[data-stat="reads"]')).toBe('0');
    // A mark that a reload would wipe: the figures below must come by polling.
    await page.evaluate(() => {
      (globalThis as { loadedOnce?: boolean }).loadedOnce = true;
    });

    await generateTraffic(url);
    const stats = (await api().get('/stats').expect(200)).body as Stats;
    expect(stats.hits).toBeGreaterThan(0);
    expect(stats.misses).toBeGreaterThan(0);

    // The figures, as text.
    await eventually(async () => {
      expect(await text(page, '[data-stat="hits"]')).toBe(count(stats.hits));
    }, 15_000);
    expect(await text(page, '[data-stat="misses"]')).toBe(count(stats.misses));
    expect(await text(page, '[data-stat="reads"]')).toBe(count(stats.hits + stats.misses));
    expect(await text(page, '[data-stat="hitRatio"]')).toBe(percent(stats.hitRatio * 100));
    expect(await text(page, '[data-stat="interactions"]')).toBe(count(stats.interactions));
    expect(await text(page, '[data-stat="entries"]')).toBe(
      `${count(stats.entries)} of ${count(stats.maxEntries ?? 0)}`,
    );
    expect(await page.evaluate(() => (globalThis as { loadedOnce?: boolean }).loadedOnce)).toBe(
      true,
    );

    // The charts: drawn, with their data summed up in words.
    const reads = stats.hits + stats.misses;
    await eventually(async () => {
      expect(await text(page, '#chart-reads [data-summary]')).toContain(
        `Over the last hour: ${count(reads)} reads, ${count(stats.hits)} hits and ${count(stats.misses)} misses.`,
      );
    }, 15_000);
    expect(await text(page, '#chart-interactions [data-summary]')).toContain(
      `Over the last hour: ${count(stats.interactions)} interactions.`,
    );
    expect(await text(page, '#chart-hit-ratio [data-summary]')).toContain(
      `Over the last hour, ${percent((stats.hits / reads) * 100)} of ${count(reads)} reads were hits.`,
    );
    expect(await text(page, '#chart-entries [data-summary]')).toContain(
      `Now ${count(stats.entries)} of at most ${count(stats.maxEntries ?? 0)}`,
    );
    for (const chart of ['#chart-hit-ratio', '#chart-reads', '#chart-interactions']) {
      // Values above zero make the first series climb (or, alone in its minute, stand as a
      // dot): more rows of its colour than a flat line at zero.
      expect(await rowsOfColour(page, chart, FIRST_SERIES_COLOUR)).toBeGreaterThan(4);
    }
    await expect(page.locator('#chart-entries canvas').count()).resolves.toBe(1);

    // The top list of each window is what the API answers for it.
    for (const since of WINDOWS) {
      const expected = (
        await api().get('/interactions').query({ limit: TOP_LIMIT, since }).expect(200)
      ).body as TopRow[];
      expect(expected.length).toBeGreaterThan(1);
      await page.getByLabel('Window').selectOption(since);
      await eventually(async () => {
        expect(await topRows(page)).toEqual(
          expected.map((row, index) => `${index + 1}\t${row.resourceId}\t${count(row.total)}`),
        );
      }, 10_000);
    }

    // One resource: chosen from the top list, then shown with its value, tags, TTL and series.
    await page.getByLabel('Window').selectOption('-1h');
    await page.getByRole('button', { name: ARTICLE, exact: true }).click();
    await eventually(async () => {
      expect(await text(page, '#resource-title')).toBe(ARTICLE);
      expect(await text(page, '#resource-interactions')).toMatch(/^\d/);
    }, 10_000);
    expect(await page.getByLabel('Resource id').inputValue()).toBe(ARTICLE);
    const resource = (
      await api()
        .get(`/resources/${encodeURIComponent(ARTICLE)}`)
        .expect(200)
    ).body as { data: unknown; tags: string[]; expiresAt: string; ttl: number };
    expect(await text(page, '#resource-value')).toBe(JSON.stringify(ARTICLE_DATA, null, 2));
    expect(await text(page, '#resource-tags')).toBe(ARTICLE_TAGS.join(', '));
    const ttl = /^(\d+) s left \(.+\), expires at (.+)$/.exec(await text(page, '#resource-ttl'));
    expect(ttl).not.toBeNull();
    expect(Number(ttl?.[1])).toBeGreaterThan(ARTICLE_TTL - 60);
    expect(Number(ttl?.[1])).toBeLessThanOrEqual(ARTICLE_TTL);
    expect(ttl?.[2]).toContain(clockTime(resource.expiresAt));

    const summary = (
      await api()
        .get(`/interactions/${encodeURIComponent(ARTICLE)}`)
        .expect(200)
    ).body as { total: number; byType: Record<string, number> };
    const series = (
      await api()
        .get(`/interactions/${encodeURIComponent(ARTICLE)}/series`)
        .query({ interval: 'minute', from: '-1h' })
        .expect(200)
    ).body as { points: SeriesPoint[] };
    const seriesTotal = series.points.reduce((total, point) => total + point.total, 0);
    expect(seriesTotal).toBe(summary.total);
    const byType = Object.entries(summary.byType)
      .sort(([, a], [, b]) => b - a)
      .map(([type, total]) => `${type} ${count(total)}`)
      .join(', ');
    expect(await text(page, '#resource-interactions')).toContain(
      `${count(summary.total)} (${byType})`,
    );
    await eventually(async () => {
      expect(await text(page, '#chart-resource [data-summary]')).toContain(
        `Over the last hour: ${count(seriesTotal)} interactions (${byType}).`,
      );
    }, 10_000);
    expect(await text(page, '#chart-resource [data-lines]')).toBe(
      `Lines: ${Object.entries(summary.byType)
        .sort(([, a], [, b]) => b - a)
        .map(([type], index) => `${type} ${['solid', 'dashed', 'dotted'][index]}`)
        .join(', ')}.`,
    );
    expect(await rowsOfColour(page, '#chart-resource', FIRST_SERIES_COLOUR)).toBeGreaterThan(4);

    // New interactions reach the shown resource without a reload.
    await api().post('/interactions').send({ resourceId: ARTICLE, type: 'view' }).expect(201);
    await eventually(async () => {
      expect(await text(page, '#chart-resource [data-summary]')).toContain(
        `Over the last hour: ${count(seriesTotal + 1)} interactions`,
      );
    }, 15_000);

    expect(await page.locator('#key-section').isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await screenshot(page);
    await page.close();
  });

  it("shows read-through's origin counters as GET /stats reports them", async () => {
    const origin = await startOrigin({
      '/slow': json({ slow: true }, { 'cache-control': 'max-age=60' }, 300),
      '/down': (_request, response) => {
        response.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      },
    });
    try {
      const { url, dashboard } = await startLapse({ ORIGINS: origin.origin });
      const api = () => request(url);
      const { page, problems } = await openTab();
      await page.goto(dashboard);
      await eventually(async () => {
        expect(await text(page, '[data-stat="originFetches"]')).toBe('0');
      }, 10_000);

      const read = (path: string) =>
        api().get(`/resources/${encodeURIComponent(origin.url(path))}`);
      await Promise.all(Array.from({ length: 5 }, () => read('/slow').expect(200)));
      await read('/down').expect(503);
      const stats = (await api().get('/stats').expect(200)).body as Stats;
      expect(stats.origin.fetches).toBe(2);
      expect(stats.origin.errors).toBe(1);

      await eventually(async () => {
        expect(await text(page, '[data-stat="originFetches"]')).toBe(count(stats.origin.fetches));
      }, 15_000);
      expect(await text(page, '[data-stat="originErrors"]')).toBe(count(stats.origin.errors));
      expect(await text(page, '[data-stat="originJoined"]')).toBe(count(stats.origin.joined));
      expect(await text(page, '[data-stat="originRevalidations"]')).toBe('0');
      expect(await text(page, '[data-stat="originStaleServed"]')).toBe('0');
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await origin.close();
    }
  });

  it('asks for an API key when reads need one, keeps it for the tab and shows the data', async () => {
    const { url, dashboard } = await startLapse({ API_KEYS: API_KEY, AUTH_READS: 'true' });
    await generateTraffic(url, { rounds: 1, pauseMs: 0 }, API_KEY);
    const stats = (await request(url).get('/stats').set('X-API-Key', API_KEY).expect(200))
      .body as Stats;
    const { page, problems } = await openTab();
    const keysSent = new Set<string>();
    page.on('request', (sent) => {
      if (new URL(sent.url()).pathname === '/stats') keysSent.add(sent.headers()['x-api-key']);
    });

    await page.goto(dashboard);
    const keyField = page.getByLabel('API key', { exact: true });
    await eventually(async () => {
      expect(await keyField.isVisible()).toBe(true);
    }, 10_000);
    expect(await keyField.getAttribute('type')).toBe('password');
    expect(await text(page, '#status')).toMatch(/needs an API key/);
    expect(await text(page, '[data-stat="hits"]')).toBe('–');

    // A wrong key is refused, and asked for again.
    await keyField.fill('not-the-key');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await eventually(async () => {
      expect(await text(page, '#key-message')).toMatch(/did not accept/);
    }, 10_000);
    expect(await keyField.isVisible()).toBe(true);

    await keyField.fill(API_KEY);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await eventually(async () => {
      expect(await text(page, '[data-stat="hits"]')).toBe(count(stats.hits));
      expect(await keyField.isHidden()).toBe(true);
    }, 10_000);
    expect(await text(page, '[data-stat="interactions"]')).toBe(count(stats.interactions));
    expect(await text(page, '#status')).toMatch(/^Updated \d/);
    const storedKey = await page.evaluate(() =>
      (globalThis as unknown as TabStorage).sessionStorage.getItem('lapse.apiKey'),
    );
    expect(storedKey).toBe(API_KEY);
    expect(keysSent).toContain(API_KEY);
    await eventually(async () => {
      expect((await topRows(page)).length).toBeGreaterThan(1);
    }, 10_000);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('never asks for a key when API_KEYS is set but reads are open', async () => {
    const { dashboard } = await startLapse({ API_KEYS: API_KEY });
    const { page, problems } = await openTab();
    await page.goto(dashboard);
    await eventually(async () => {
      expect(await text(page, '#status')).toMatch(/^Updated \d/);
    }, 10_000);
    expect(await page.locator('#key-section').isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });
});

/**
 * Writes, reads (hits and misses) and interactions of several types on
 * several resources, `rounds` times with a pause between rounds.
 */
async function generateTraffic(
  url: string,
  { rounds, pauseMs } = TRAFFIC,
  key?: string,
): Promise<void> {
  const http = () => request(url);
  const withKey = <T extends request.Test>(test: T): T =>
    key === undefined ? test : test.set('X-API-Key', key);
  const put = async (id: string, body: object): Promise<void> => {
    const res = await withKey(http().put(`/resources/${encodeURIComponent(id)}`)).send(body);
    expect([200, 201]).toContain(res.status);
  };
  // A hit or a miss, both counted.
  const get = async (id: string): Promise<void> => {
    const res = await withKey(http().get(`/resources/${encodeURIComponent(id)}`));
    expect([200, 404]).toContain(res.status);
  };
  const interact = (resourceId: string, type: string, times: number) =>
    Promise.all(
      Array.from({ length: times }, () =>
        withKey(http().post('/interactions')).send({ resourceId, type }).expect(201),
      ),
    );

  for (let round = 0; round < rounds; round++) {
    // Busier in some rounds than others, so that the charts have a shape.
    const load = 1 + Math.round(2 * (1 + Math.sin(round / 3)));
    await put(ARTICLE, { data: ARTICLE_DATA, tags: ARTICLE_TAGS, ttl: ARTICLE_TTL });
    await put('https://example.com/products/7', {
      data: { name: 'Lamp', price: 39 },
      tags: ['products'],
    });
    await put('home', { data: { sections: ['news', 'sport'] } });
    await put(`session-${round}`, { data: { user: round }, tags: ['sessions'], ttl: 120 });
    for (let read = 0; read < load; read++) {
      await get(ARTICLE);
      await get('https://example.com/products/7');
      await get(`session-${round}`);
    }
    await get('home');
    await get(`missing-${round}`);
    await get('https://example.com/articles/404');
    await interact(ARTICLE, 'view', 2 + load);
    await interact(ARTICLE, 'share', 2);
    await interact(ARTICLE, 'like', 1);
    await interact('https://example.com/products/7', 'view', 3);
    await interact('https://example.com/products/7', 'purchase', load % 2);
    await interact('home', 'view', 1 + (round % 3));
    if (round + 1 < rounds) await sleep(pauseMs);
  }
}

/** The top list's rows as they read: rank, resource and total, tab-separated. */
async function topRows(page: Page): Promise<string[]> {
  const rows = await page.locator('#top-table tbody tr').allInnerTexts();
  return rows.map((row) => row.split('\t').slice(0, 3).join('\t'));
}

/** How many pixel rows of a chart's canvas hold its first series' colour. */
function rowsOfColour(page: Page, figure: string, rgb: [number, number, number]): Promise<number> {
  return page
    .locator(`${figure} canvas`)
    .first()
    .evaluate((canvas: CanvasLike, [red, green, blue]) => {
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      const rows = new Set<number>();
      for (let offset = 0; offset < data.length; offset += 4) {
        const close =
          Math.abs(data[offset] - red) < 24 &&
          Math.abs(data[offset + 1] - green) < 24 &&
          Math.abs(data[offset + 2] - blue) < 24 &&
          data[offset + 3] > 200;
        if (close) rows.add(Math.floor(offset / 4 / canvas.width));
      }
      return rows.size;
    }, rgb);
}

/** Saves what the page shows under test-results/, and for the README when asked to. */
async function screenshot(page: Page): Promise<void> {
  const results = join(ROOT, 'test-results');
  mkdirSync(results, { recursive: true });
  // Each adapter its own file: both projects may run at once.
  const name = testAdapter === 'express' ? 'dashboard.png' : `dashboard-${testAdapter}.png`;
  await page.screenshot({ path: join(results, name), fullPage: true });
  if (updatingScreenshot && testAdapter === 'express') {
    await page.screenshot({ path: join(ROOT, 'docs', 'dashboard.png'), fullPage: true });
  }
}
