import { RedisKeyspace } from './redis-keyspace';

describe('RedisKeyspace', () => {
  it('keeps one shard whose prefix is the namespace on one Redis (the keys Lapse always used)', () => {
    const keyspace = RedisKeyspace.single('lapse');

    expect(keyspace.all()).toStrictEqual([0]);
    expect(keyspace.prefix(0)).toBe('lapse');
    expect(keyspace.shardOf('https://example.com/a')).toBe(0);
    expect(keyspace.prefixOf('anything')).toBe('lapse');
  });

  it('gives each shard of a cluster a hash tag of its own', () => {
    const keyspace = RedisKeyspace.cluster('lapse', 4);

    expect(keyspace.all().map((shard) => keyspace.prefix(shard))).toStrictEqual([
      '{lapse:0}',
      '{lapse:1}',
      '{lapse:2}',
      '{lapse:3}',
    ]);
  });

  it('files an id in the same shard every time, by the CRC-32 of its UTF-8 bytes', () => {
    const keyspace = RedisKeyspace.cluster('lapse', 16);

    // CRC-32 of "user:42" is 0x646f0d86 (a standard value, not this code's).
    expect(keyspace.shardOf('user:42')).toBe(0x646f0d86 % 16);
    expect(keyspace.shardOf('user:42')).toBe(keyspace.shardOf('user:42'));
    expect(keyspace.prefixOf('user:42')).toBe(`{lapse:${0x646f0d86 % 16}}`);
  });

  it('spreads ids evenly over the shards', () => {
    const keyspace = RedisKeyspace.cluster('lapse', 16);
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[keyspace.shardOf(`https://example.com/item/${i}`)] += 1;

    for (const count of counts) {
      expect(count).toBeGreaterThan(800);
      expect(count).toBeLessThan(1200);
    }
  });

  it('refuses a shard count below one, and several shards without hash tags', () => {
    expect(() => RedisKeyspace.cluster('lapse', 0)).toThrow(RangeError);
    expect(() => RedisKeyspace.cluster('lapse', 1.5)).toThrow(RangeError);
    expect(() => new RedisKeyspace('lapse', 2, false)).toThrow(RangeError);
  });
});
