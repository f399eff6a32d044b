import { BucketedCounters } from './bucketed-counters';
import { DEFAULT_RETENTION } from './time-buckets';
import type { BucketInterval, BucketRange, BucketRetention } from './time-buckets';

/** Fixed clock: 2026-11-27T08:30:15.250Z. */
const NOW = Date.UTC(2026, 10, 27, 8, 30, 15, 250);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const at = (hour: number, minute: number, second = 0, ms = 0): number =>
  Date.UTC(2026, 10, 27, hour, minute, second, ms);
const minutes = (first: number, count: number): BucketRange => ({
  interval: 'minute',
  first,
  count,
});
const hours = (first: number, count: number): BucketRange => ({ interval: 'hour', first, count });

/** Ten minutes of minute buckets, three hours of hour buckets. */
const SMALL: BucketRetention = { minute: 10 * MINUTE, hour: 3 * HOUR };

type Field = 'hits' | 'misses';
const FIELDS: readonly Field[] = ['hits', 'misses'];
const zero = { hits: 0, misses: 0 };

/** How many buckets an interval holds, read through a cast: the map is private. */
function bucketsHeld(counters: BucketedCounters<Field>, interval: BucketInterval): number {
  const buckets = (counters as unknown as { buckets: Map<BucketInterval, Map<number, unknown>> })
    .buckets;
  return buckets.get(interval)!.size;
}

describe('BucketedCounters', () => {
  it('reads zeros for every bucket of a range when nothing was counted', () => {
    const counters = new BucketedCounters(FIELDS, DEFAULT_RETENTION);

    expect(counters.read(minutes(at(8, 25), 6), NOW)).toStrictEqual(Array(6).fill(zero));
    expect(counters.read(hours(at(6, 0), 3), NOW)).toStrictEqual(Array(3).fill(zero));
    expect(counters.read(minutes(at(8, 25), 0), NOW)).toStrictEqual([]);
  });

  it('counts each field in the minute and the hour that hold the time', () => {
    const counters = new BucketedCounters(FIELDS, DEFAULT_RETENTION);

    counters.add(at(8, 27, 10), 'hits');
    counters.add(at(8, 27, 50), 'hits');
    counters.add(at(8, 27, 59, 999), 'misses');
    counters.add(at(8, 28), 'misses', 5);
    counters.add(at(7, 59, 59, 999), 'hits', 2);

    expect(counters.read(minutes(at(8, 25), 6), NOW)).toStrictEqual([
      zero,
      zero,
      { hits: 2, misses: 1 },
      { hits: 0, misses: 5 },
      zero,
      zero,
    ]);
    expect(counters.read(minutes(at(7, 59), 2), NOW)).toStrictEqual([{ hits: 2, misses: 0 }, zero]);
    expect(counters.read(hours(at(6, 0), 3), NOW)).toStrictEqual([
      zero,
      { hits: 2, misses: 0 },
      { hits: 2, misses: 6 },
    ]);
  });

  it('puts a count exactly on a boundary in the bucket that starts there', () => {
    const counters = new BucketedCounters(FIELDS, DEFAULT_RETENTION);

    counters.add(at(8, 0), 'hits');
    counters.add(at(8, 0) - 1, 'misses');

    expect(counters.read(minutes(at(7, 59), 2), NOW)).toStrictEqual([
      { hits: 0, misses: 1 },
      { hits: 1, misses: 0 },
    ]);
    expect(counters.read(hours(at(7, 0), 2), NOW)).toStrictEqual([
      { hits: 0, misses: 1 },
      { hits: 1, misses: 0 },
    ]);
  });

  it('hands out copies: changing what read() returned changes no count', () => {
    const counters = new BucketedCounters(FIELDS, DEFAULT_RETENTION);
    counters.add(at(8, 30), 'hits');

    const [first] = counters.read(minutes(at(8, 30), 1), NOW);
    first.hits = 100;
    const [zeroed] = counters.read(minutes(at(8, 29), 1), NOW);
    zeroed.misses = 100;

    expect(counters.read(minutes(at(8, 29), 2), NOW)).toStrictEqual([zero, { hits: 1, misses: 0 }]);
  });

  it('reads buckets older than their retention as zero, even before they are dropped', () => {
    const counters = new BucketedCounters(FIELDS, SMALL);
    counters.add(at(8, 20, 30), 'hits');
    counters.add(at(8, 19, 59, 999), 'misses');
    counters.add(at(5, 59), 'hits', 7);

    // At 08:30:15.250 the oldest minute kept is 08:20 and the oldest hour 05:00.
    expect(counters.read(minutes(at(8, 19), 2), NOW)).toStrictEqual([zero, { hits: 1, misses: 0 }]);
    expect(counters.read(hours(at(5, 0), 4), NOW)).toStrictEqual([
      { hits: 7, misses: 0 },
      zero,
      zero,
      { hits: 1, misses: 1 },
    ]);
    // An hour later, 05:00 is gone too; a minute later, so is 08:20.
    expect(counters.read(hours(at(5, 0), 1), NOW + HOUR)).toStrictEqual([zero]);
    expect(counters.read(minutes(at(8, 20), 1), NOW + MINUTE)).toStrictEqual([zero]);
  });

  it('drops expired buckets as time goes by, so memory stays bounded', () => {
    const counters = new BucketedCounters(FIELDS, SMALL);
    const start = at(0, 0);

    // Five counts a minute for ten hours: 600 minutes, far beyond either retention.
    for (let minute = 0; minute < 600; minute++) {
      for (let second = 0; second < 60; second += 12) {
        counters.add(
          start + minute * MINUTE + second * 1_000,
          second % 24 === 0 ? 'hits' : 'misses',
        );
      }
      // The minutes kept, plus the one just started: never more.
      expect(bucketsHeld(counters, 'minute')).toBeLessThanOrEqual(11);
      expect(bucketsHeld(counters, 'hour')).toBeLessThanOrEqual(4);
    }
    const now = start + 600 * MINUTE - 1;

    expect(bucketsHeld(counters, 'minute')).toBe(11);
    expect(bucketsHeld(counters, 'hour')).toBe(4);
    // The first minutes and hours are gone; the last ones are all there.
    expect(counters.read(minutes(start, 3), now)).toStrictEqual([zero, zero, zero]);
    expect(counters.read(hours(start, 2), now)).toStrictEqual([zero, zero]);
    expect(counters.read(minutes(start + 590 * MINUTE, 10), now)).toStrictEqual(
      Array(10).fill({ hits: 3, misses: 2 }),
    );
    expect(counters.read(hours(start + 9 * HOUR, 1), now)).toStrictEqual([
      { hits: 180, misses: 120 },
    ]);
  });

  it('keeps separate instances apart', () => {
    const one = new BucketedCounters(FIELDS, DEFAULT_RETENTION);
    const other = new BucketedCounters(FIELDS, DEFAULT_RETENTION);

    one.add(at(8, 30), 'hits');

    expect(other.read(minutes(at(8, 30), 1), NOW)).toStrictEqual([zero]);
    expect(one.read(minutes(at(8, 30), 1), NOW)).toStrictEqual([{ hits: 1, misses: 0 }]);
  });
});
