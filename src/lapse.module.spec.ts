import { Test } from '@nestjs/testing';
import { CacheStore } from './cache/cache-store';
import { MemoryCacheStore } from './cache/stores/memory-cache.store';
import { LapseModule } from './lapse.module';

describe(LapseModule.name, () => {
  it('calls the options factory of forRootAsync once, for configuration and storage alike', async () => {
    const cacheStore = new MemoryCacheStore({ maxEntries: 10, sweepIntervalMs: 1000 });
    let calls = 0;
    const sut = LapseModule.forRootAsync({
      useFactory: () => {
        calls += 1;
        return { cacheStore, config: { cache: { defaultTtl: 7 } } };
      },
    });

    const moduleRef = await Test.createTestingModule({ imports: [sut] }).compile();

    expect(calls).toBe(1);
    expect(moduleRef.get(CacheStore)).toBe(cacheStore);
    await moduleRef.close();
  });
});
