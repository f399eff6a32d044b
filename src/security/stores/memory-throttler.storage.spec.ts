import { MemoryThrottlerStorage } from './memory-throttler.storage';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe(MemoryThrottlerStorage.name, () => {
  let sut: MemoryThrottlerStorage;

  beforeEach(() => {
    sut = new MemoryThrottlerStorage();
  });

  afterEach(() => {
    sut.onModuleDestroy();
  });

  it('counts every hit in a window the first hit starts, and blocks past the limit', async () => {
    expect(await sut.increment('k', 60_000, 2)).toStrictEqual({
      totalHits: 1,
      timeToExpire: 60,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    await sut.increment('k', 60_000, 2);
    expect(await sut.increment('k', 60_000, 2)).toStrictEqual({
      totalHits: 3,
      timeToExpire: 60,
      isBlocked: true,
      timeToBlockExpire: 60,
    });
    // Another key has a window of its own.
    expect((await sut.increment('other', 60_000, 2)).totalHits).toBe(1);
  });

  it('starts a new window once the last one has closed (real 1 s windows)', async () => {
    for (let i = 0; i < 3; i++) await sut.increment('k', 1_000, 2);
    expect((await sut.increment('k', 1_000, 2)).isBlocked).toBe(true);

    await sleep(1_100);

    expect(await sut.increment('k', 1_000, 2)).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('keeps one counter per key however large the limit, and sweeps closed windows', async () => {
    for (let i = 0; i < 100_000; i++) await sut.increment('busy', 60_000, 10_000_000);
    expect((await sut.increment('busy', 60_000, 10_000_000)).totalHits).toBe(100_001);
    await sut.increment('brief', 1_000, 5);

    expect(sut.sweep(Date.now() + 30_000)).toBe(1);
    expect(sut.sweep(Date.now() + 120_000)).toBe(0);
  });
});
