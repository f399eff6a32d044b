import { BadGatewayException } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { CacheService } from '../cache';
import { MemoryCacheStore } from '../cache/stores/memory-cache.store';
import type { LapseConfig } from '../config/lapse.config';
import type { FillLock } from './fill-lock';
import { MemoryFillLock } from './stores/memory-fill-lock';
import type { OriginFetcher, OriginResponse } from './origin-fetcher';
import { ORIGIN_KEY, ReadThroughService } from './read-through.service';
import type { OriginValue } from './read-through.service';

const ORIGIN = 'https://api.example.com';

/** A fetcher answering after the test resolves each request, counting them. */
class FakeFetcher {
  readonly requests: URL[] = [];
  private pending: Array<(response: OriginResponse) => void> = [];

  fetch(url: URL): Promise<OriginResponse> {
    this.requests.push(url);
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

  function service(
    allowed: string[] = [ORIGIN],
    origins: Pick<OriginFetcher, 'fetch'> = fetcher,
    fillLock: FillLock = new MemoryFillLock(),
  ): ReadThroughService {
    const origin = { allowed, minTtl: 0, maxTtl: 3600, negativeTtl: 30 };
    const config = {
      get: (name: string) => (name === 'origin' ? origin : { defaultTtl: 300 }),
    } as unknown as ConfigService<LapseConfig, true>;
    return new ReadThroughService(cache, origins as OriginFetcher, config, fillLock);
  }

  /** Lets every pending promise callback run. */
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(() => {
    store = new MemoryCacheStore({ maxEntries: 100, sweepIntervalMs: 60_000 });
    cache = new CacheService({ store });
    fetcher = new FakeFetcher();
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
    const sut = service([ORIGIN], fetcher, elsewhere);

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
    const sut = service([ORIGIN], fetcher, recording);

    const read = sut.read(`${ORIGIN}/e`);
    await settle();
    fetcher.answer({ n: 1 }, { 'cache-control': 'max-age=60' });
    await expect(read).resolves.toMatchObject({ source: 'origin', stored: true });

    expect(order).toStrictEqual(['locked', 'released after 1 fetch']);
    expect(await cache.peek(`${ORIGIN}/e`)).toBeDefined();
  });
});
