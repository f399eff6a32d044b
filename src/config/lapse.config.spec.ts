import { configWithDefaults, loadConfig } from './lapse.config';

describe(configWithDefaults.name, () => {
  it('is the configuration of an empty environment when given nothing', () => {
    expect(configWithDefaults()).toStrictEqual(loadConfig({}));
    expect(configWithDefaults({})).toStrictEqual(loadConfig({}));
  });

  it('lays each group over its defaults, keeping the settings it does not name', () => {
    const defaults = loadConfig({});

    const sut = configWithDefaults({
      cache: { defaultTtl: 42 },
      store: { kind: 'redis', namespace: 'host' },
      shutdownTimeoutMs: 5,
    });

    expect(sut.cache).toStrictEqual({ ...defaults.cache, defaultTtl: 42 });
    expect(sut.store).toStrictEqual({ ...defaults.store, kind: 'redis', namespace: 'host' });
    expect(sut.shutdownTimeoutMs).toBe(5);
    expect(sut.tracking).toStrictEqual(defaults.tracking);
    expect(sut.http).toStrictEqual(defaults.http);
  });

  it('never reads the process environment', () => {
    process.env.CACHE_TTL = '7';
    try {
      expect(configWithDefaults().cache.defaultTtl).toBe(300);
    } finally {
      delete process.env.CACHE_TTL;
    }
  });
});
