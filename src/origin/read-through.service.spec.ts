import { BadGatewayException } from '@nestjs/common';
import computeEtag from 'etag';
import type { LapseConfigService } from '../config/lapse-config.service';
import { CacheService } from '../cache';
import { MemoryCacheStore } from '../cache/stores/memory-cache.store';
import type { FillLock } from './fill-lock';
import { MemoryFillLock } from './stores/memory-fill-lock';
import { OriginCounters } from './origin-counters';
import type { OriginConditions, OriginFetcher, OriginResponse } from './origin-fetcher';
import { ORIGIN_KEY, ReadThroughService, freshUntil } from './read-through.service';
import type { OriginValue } from './read-through.service';

const ORIGIN = 'https://api.example.com';

/** A fetcher answering after the test resolves each request, counting them. */
class FakeFetcher {
  readonly requests: URL[] = [];
  readonly conditions: Array<OriginConditions | undefined> = [];
  private pending: Array<(response: OriginResponse) => void> = [];

  fetch(url: URL, conditions?: OriginConditions): Promise<OriginResponse> {
    this.requests.push(url);
    this.conditions.push(conditions);
    return new Promise((resolve) => this.pending.push(resolve));
  }

  answer(body: unknown, headers: Record<string, string> = {}, status = 200): void {
    const response: OriginResponse = {
      status,
      headers: { 'content-type': 'application/json', ...headers },
      body: Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)),
    };
    for (const resolve of this.pending.splice(0)) resolve(response);
  }
}

describe(ReadThroughService.name, () => {
  let store: MemoryCacheStore;
  let cache: CacheService;
  let fetcher: FakeFetcher;
  let counters: OriginCounters;

  function service(
    allowed: string[] = [ORIGIN],
    origins: Pick<OriginFetcher, 'fetch'> = fetcher,
    stale = { staleWhileRevalidate: 0, staleIfError: 0 },
    fillLock: FillLock = new MemoryFillLock(),
  ): ReadThroughService {
    const origin = { allowed, minTtl: 0, maxTtl: 3600, negativeTtl: 30, ...stale };
    const config = {
      get: (name: string) => (name === 'origin' ? origin : { defaultTtl: 300 }),
    } as unknown as LapseConfigService;
    return new ReadThroughService(cache, origins as OriginFetcher, config, counters, fillLock);
  }

  /**
   * Stores a fetched text entry under `${ORIGIN}${path}` that went stale
   * `staleSeconds` ago, kept `staleFor` seconds past its freshness.
   */
  async function putStale(path: string, staleSeconds: number, staleFor: number): Promise<void> {
    const now = Date.now();
    const freshUntil = now - staleSeconds * 1000;
    const value = {
      [ORIGIN_KEY]: { url: `${ORIGIN}${path}`, status: 200, contentType: 'text/plain', staleFor },
      data: 'old',
    };
    const expiresAt = freshUntil + staleFor * 1000;
    await store.setIf(
      `${ORIGIN}${path}`,
      { value, tags: [], etag: '"old"', storedAt: freshUntil - 10_000, expiresAt },
      expiresAt - now,
      {},
    );
  }

  /** Lets every pending promise callback run. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(() => {
    store = new MemoryCacheStore({ maxEntries: 100, sweepIntervalMs: 60_000 });
    cache = new CacheService({ store });
    fetcher = new FakeFetcher();
    counters = new OriginCounters();
  });

  afterEach(() => store.onModuleDestroy());

  it('is off, and only reads the cache, without ORIGINS', async () => {
    const sut = service([]);

    expect(sut.enabled).toBe(false);
    await expect(sut.read(`${ORIGIN}/a`)).resolves.toStrictEqual({ source: 'none' });
    expect(fetcher.requests).toHaveLength(0);
  });

  it('shares one origin request among concurrent misses, and stores its answer', async () => {
    const sut = service();
    const reads = Array.from({ length: 10 }, () => sut.read(`${ORIGIN}/a`));
    await settle();
    fetcher.answer({ n: 1 }, { 'cache-control': 'max-age=60', etag: '"o1"' });

    const results = await Promise.all(reads);

    expect(fetcher.requests).toHaveLength(1);
    for (const result of results) expect(result).toBe(results[0]);
    expect(results[0]).toMatchObject({ source: 'origin', stored: true });
    const entry = await cache.peek(`${ORIGIN}/a`);
    expect(entry?.value).toStrictEqual({
      [ORIGIN_KEY]: {
        url: `${ORIGIN}/a`,
        status: 200,
        contentType: 'application/json',
        etag: '"o1"',
      },
      data: { n: 1 },
    });
    expect((entry?.expiresAt ?? 0) - (entry?.storedAt ?? 0)).toBe(60_000);
    await expect(sut.read(`${ORIGIN}/a`)).resolves.toMatchObject({ source: 'cache' });
    expect(fetcher.requests).toHaveLength(1);
    expect(counters.snapshot()).toMatchObject({ fetches: 1, joined: 9, errors: 0 });
  });

  it('keeps an answer the longer stale window past its freshness, recording that window', async () => {
    const sut = service([ORIGIN], fetcher, { staleWhileRevalidate: 30, staleIfError: 120 });
    const read = sut.read(`${ORIGIN}/d`);
    await settle();
    fetcher.answer({ n: 1 }, { 'cache-control': 'max-age=60' });
    await read;

    const entry = await cache.peek(`${ORIGIN}/d`);
    expect((entry?.expiresAt ?? 0) - (entry?.storedAt ?? 0)).toBe(180_000);
    expect(entry && freshUntil(entry)).toBe((entry?.storedAt ?? 0) + 60_000);
    expect(entry?.value).toMatchObject({ [ORIGIN_KEY]: { staleFor: 120 } });
  });

  it('refreshes a stale entry with its validators, and renews it on a 304', async () => {
    const sut = service([ORIGIN], fetcher, { staleWhileRevalidate: 0, staleIfError: 60 });
    const now = Date.now();
    const value = {
      [ORIGIN_KEY]: {
        url: `${ORIGIN}/e`,
        status: 200,
        contentType: 'application/json',
        etag: '"o1"',
        lastModified: 'Wed, 02 Dec 2026 10:00:00 GMT',
        staleFor: 60,
      },
      data: { n: 1 },
    };
    // Stored 20 s ago, fresh for 10, kept 60 s more: stale, within STALE_IF_ERROR.
    await store.setIf(
      `${ORIGIN}/e`,
      { value, tags: [], etag: '"lapse"', storedAt: now - 20_000, expiresAt: now + 50_000 },
      50_000,
      {},
    );

    const read = sut.read(`${ORIGIN}/e`);
    await settle();
    fetcher.answer(null, { 'cache-control': 'max-age=90' }, 304);
    const result = await read;

    expect(fetcher.conditions[0]).toStrictEqual({
      'if-none-match': '"o1"',
      'if-modified-since': 'Wed, 02 Dec 2026 10:00:00 GMT',
    });
    expect(result).toMatchObject({ source: 'origin', stored: true, refreshed: 'revalidated' });
    const entry = await cache.peek(`${ORIGIN}/e`);
    // The same value (so the same ETag), fresh for the 304's max-age, then kept 60 s more.
    expect(entry?.value).toStrictEqual(value);
    expect(entry?.etag).toBe(computeEtag(JSON.stringify(value)));
    expect((entry?.expiresAt ?? 0) - (entry?.storedAt ?? 0)).toBe(150_000);
    expect(counters.snapshot()).toMatchObject({ fetches: 1, revalidations: 1 });
  });

  it('serves a stale entry when its refresh fails within STALE_IF_ERROR', async () => {
    const failing = { fetch: jest.fn().mockRejectedValue(new BadGatewayException('down')) };
    const sut = service([ORIGIN], failing, { staleWhileRevalidate: 0, staleIfError: 60 });
    const now = Date.now();
    const value = {
      [ORIGIN_KEY]: { url: `${ORIGIN}/f`, status: 200, contentType: 'text/plain', staleFor: 60 },
      data: 'old',
    };
    await store.setIf(
      `${ORIGIN}/f`,
      { value, tags: [], etag: '"lapse"', storedAt: now - 20_000, expiresAt: now + 50_000 },
      50_000,
      {},
    );

    await expect(sut.read(`${ORIGIN}/f`)).resolves.toMatchObject({
      source: 'cache',
      stale: 'origin-error',
    });
    expect(failing.fetch).toHaveBeenCalledWith(expect.any(URL), undefined);
    expect(counters.snapshot()).toMatchObject({ fetches: 1, errors: 1, staleServed: 1 });
  });

  it('passes a failure on to every waiting caller, then tries again on the next miss', async () => {
    const failing = { fetch: jest.fn().mockRejectedValueOnce(new BadGatewayException('down')) };
    const failingSut = service([ORIGIN], failing);

    const reads = [failingSut.read(`${ORIGIN}/b`), failingSut.read(`${ORIGIN}/b`)];

    await expect(Promise.all(reads)).rejects.toBeInstanceOf(BadGatewayException);
    expect(failing.fetch).toHaveBeenCalledTimes(1);
    await expect(failingSut.read(`${ORIGIN}/b`)).rejects.toBeDefined();
    expect(failing.fetch).toHaveBeenCalledTimes(2);
  });

  it('does not store an answer the origin marks no-store', async () => {
    const sut = service();
    const read = sut.read(`${ORIGIN}/c`);
    await settle();
    fetcher.answer({ secret: true }, { 'cache-control': 'no-store' });

    await expect(read).resolves.toMatchObject({ source: 'origin', stored: false });
    expect(await cache.peek(`${ORIGIN}/c`)).toBeUndefined();
  });

  it('keeps a binary body as base64, the meta saying so', async () => {
    const sut = service();
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00, 0xfe]);
    const read = sut.read(`${ORIGIN}/logo`);
    await settle();
    fetcher.answer(bytes, { 'content-type': 'image/png' });

    await expect(read).resolves.toMatchObject({ source: 'origin', stored: true });
    const value = (await cache.peek(`${ORIGIN}/logo`))?.value as OriginValue;
    expect(value[ORIGIN_KEY]).toMatchObject({ contentType: 'image/png', encoding: 'base64' });
    expect(Buffer.from(value.data as string, 'base64')).toStrictEqual(bytes);
  });

  it('never fetches an id off ORIGINS', async () => {
    const sut = service();

    await expect(sut.read('https://evil.example.com/a')).resolves.toStrictEqual({
      source: 'none',
    });
    await expect(sut.read('plain-key')).resolves.toStrictEqual({ source: 'none' });
    expect(fetcher.requests).toHaveLength(0);
  });

  it("serves what another instance's fill stored, without fetching, when the lock is taken", async () => {
    // Another instance holds the lock and stores the answer while this one waits.
    const elsewhere: FillLock = {
      async fillOnce<T>(
        id: string,
        _fill: () => Promise<T>,
        readFilled: () => Promise<T | undefined>,
      ) {
        await cache.set(id, { by: 'another instance' }, { ttlMs: 60_000 });
        return (await readFilled()) as T;
      },
    };
    const sut = service([ORIGIN], fetcher, undefined, elsewhere);

    const reads = await Promise.all([sut.read(`${ORIGIN}/d`), sut.read(`${ORIGIN}/d`)]);

    for (const read of reads) {
      expect(read).toMatchObject({ source: 'cache', entry: { value: { by: 'another instance' } } });
    }
    expect(reads[1]).toBe(reads[0]);
    expect(fetcher.requests).toHaveLength(0);
  });

  it('fills under the lock: the fetch and the store happen inside fillOnce', async () => {
    const order: string[] = [];
    const recording: FillLock = {
      async fillOnce<T>(_id: string, fill: () => Promise<T>) {
        order.push('locked');
        const filled = await fill();
        order.push(`released after ${fetcher.requests.length} fetch`);
        return filled;
      },
    };
    const sut = service([ORIGIN], fetcher, undefined, recording);

    const read = sut.read(`${ORIGIN}/e`);
    await settle();
    fetcher.answer({ n: 1 }, { 'cache-control': 'max-age=60' });
    await expect(read).resolves.toMatchObject({ source: 'origin', stored: true });

    expect(order).toStrictEqual(['locked', 'released after 1 fetch']);
    expect(await cache.peek(`${ORIGIN}/e`)).toBeDefined();
  });

  it('passes a 5xx on past STALE_IF_ERROR, leaving the stale entry be', async () => {
    const sut = service([ORIGIN], fetcher, { staleWhileRevalidate: 0, staleIfError: 5 });
    // Kept 60 s stale (an earlier, longer window), now 10 s stale: past STALE_IF_ERROR.
    await putStale('/g', 10, 60);

    const read = sut.read(`${ORIGIN}/g`);
    await settle();
    fetcher.answer('down', { 'content-type': 'text/plain' }, 503);

    await expect(read).resolves.toMatchObject({ source: 'origin', stored: false });
    expect((await cache.peek(`${ORIGIN}/g`))?.value).toMatchObject({ data: 'old' });
    expect(counters.snapshot()).toMatchObject({ fetches: 1, errors: 1, staleServed: 0 });
  });

  it('serves a stale entry for a 5xx within STALE_IF_ERROR', async () => {
    const sut = service([ORIGIN], fetcher, { staleWhileRevalidate: 0, staleIfError: 60 });
    await putStale('/h', 10, 60);

    const read = sut.read(`${ORIGIN}/h`);
    await settle();
    fetcher.answer('down', { 'content-type': 'text/plain' }, 502);

    await expect(read).resolves.toMatchObject({ source: 'cache', stale: 'origin-error' });
  });

  it('drops a stale entry whose refresh the origin marks no-store', async () => {
    const sut = service([ORIGIN], fetcher, { staleWhileRevalidate: 0, staleIfError: 60 });
    await putStale('/i', 10, 60);

    const read = sut.read(`${ORIGIN}/i`);
    await settle();
    fetcher.answer({ secret: true }, { 'cache-control': 'no-store' });

    await expect(read).resolves.toMatchObject({
      source: 'origin',
      stored: false,
      refreshed: 'replaced',
    });
    expect(await cache.peek(`${ORIGIN}/i`)).toBeUndefined();
  });

  it('serves a stale entry at once within STALE_WHILE_REVALIDATE, refreshing it once in the background', async () => {
    const sut = service([ORIGIN], fetcher, { staleWhileRevalidate: 60, staleIfError: 0 });
    await putStale('/j', 10, 60);

    const stale = await Promise.all([sut.read(`${ORIGIN}/j`), sut.read(`${ORIGIN}/j`)]);
    for (const result of stale)
      expect(result).toMatchObject({ source: 'cache', stale: 'revalidating' });
    await settle();
    expect(fetcher.requests).toHaveLength(1);
    fetcher.answer({ fresh: true }, { 'cache-control': 'max-age=30' });
    await settle();
    await settle();

    await expect(sut.read(`${ORIGIN}/j`)).resolves.toMatchObject({ source: 'cache' });
    expect((await cache.peek(`${ORIGIN}/j`))?.value).toMatchObject({ data: { fresh: true } });
    expect(counters.snapshot()).toMatchObject({ fetches: 1, staleServed: 2 });
  });

  it('refuses a 304 to a request without conditions with a 502', async () => {
    const sut = service();
    const read = sut.read(`${ORIGIN}/k`);
    await settle();
    fetcher.answer(null, {}, 304);

    await expect(read).rejects.toBeInstanceOf(BadGatewayException);
    expect(counters.snapshot()).toMatchObject({ fetches: 1, errors: 1 });
  });
});
