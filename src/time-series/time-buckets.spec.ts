import {
  BUCKET_INTERVALS,
  bucketExpiry,
  bucketOf,
  bucketRange,
  bucketStarts,
  coveringBuckets,
  DEFAULT_RETENTION,
  formatDuration,
  INTERVAL_MS,
  keptRuns,
  oldestKept,
  parseDuration,
  parseTime,
  windowRange,
} from './time-buckets';
import type { BucketRetention } from './time-buckets';

/** Fixed clock: 2026-11-27T08:30:15.250Z, in the middle of a minute and of an hour. */
const NOW = Date.UTC(2026, 10, 27, 8, 30, 15, 250);
const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Start of a UTC minute on 2026-11-27, spelled out rather than computed by the code under test. */
const at = (hour: number, minute: number, second = 0, ms = 0): number =>
  Date.UTC(2026, 10, 27, hour, minute, second, ms);

/** Ten minutes of minute buckets, five hours of hour buckets. */
const SMALL: BucketRetention = { minute: 10 * MINUTE, hour: 5 * HOUR };

describe('time buckets', () => {
  it('has minute and hour intervals, 60 000 and 3 600 000 ms long', () => {
    expect(BUCKET_INTERVALS).toStrictEqual(['minute', 'hour']);
    expect(INTERVAL_MS).toStrictEqual({ minute: 60_000, hour: 3_600_000 });
  });

  it('keeps minutes for 24 hours and hours for 30 days by default', () => {
    expect(DEFAULT_RETENTION).toStrictEqual({ minute: 24 * HOUR, hour: 30 * DAY });
  });

  describe('bucketOf', () => {
    it('puts a time inside a minute in the minute that holds it', () => {
      expect(bucketOf(NOW, 'minute')).toBe(at(8, 30));
      expect(bucketOf(NOW, 'hour')).toBe(at(8, 0));
    });

    it('starts a bucket exactly on its boundary', () => {
      expect(bucketOf(at(8, 31), 'minute')).toBe(at(8, 31));
      expect(bucketOf(at(9, 0), 'hour')).toBe(at(9, 0));
      expect(bucketOf(at(9, 0), 'minute')).toBe(at(9, 0));
      expect(bucketOf(0, 'minute')).toBe(0);
    });

    it('puts 1 ms before a boundary in the bucket before it', () => {
      expect(bucketOf(at(8, 31) - 1, 'minute')).toBe(at(8, 30));
      expect(bucketOf(at(9, 0) - 1, 'hour')).toBe(at(8, 0));
      expect(bucketOf(at(9, 0) - 1, 'minute')).toBe(at(8, 59));
    });

    it('cuts at UTC boundaries, for any time zone offset of the input', () => {
      expect(bucketOf(Date.parse('2026-11-27T10:45:59.999+02:00'), 'hour')).toBe(at(8, 0));
      expect(bucketOf(Date.parse('2026-11-27T10:45:59.999+02:00'), 'minute')).toBe(at(8, 45));
    });
  });

  describe('bucketRange and bucketStarts', () => {
    it('includes both ends: the bucket of `from` and the bucket of `to`', () => {
      const range = bucketRange(at(8, 0, 30), at(8, 5), 'minute');

      expect(range).toStrictEqual({ interval: 'minute', first: at(8, 0), count: 6 });
      expect(bucketStarts(range)).toStrictEqual([
        at(8, 0),
        at(8, 1),
        at(8, 2),
        at(8, 3),
        at(8, 4),
        at(8, 5),
      ]);
    });

    it('leaves out the bucket that starts 1 ms after `to`', () => {
      expect(bucketRange(at(8, 0, 30), at(8, 5) - 1, 'minute')).toStrictEqual({
        interval: 'minute',
        first: at(8, 0),
        count: 5,
      });
    });

    it('is one bucket when `from` and `to` share it', () => {
      expect(bucketRange(at(8, 10, 1), at(8, 10, 59, 999), 'minute').count).toBe(1);
      expect(bucketRange(NOW, NOW, 'minute')).toStrictEqual({
        interval: 'minute',
        first: at(8, 30),
        count: 1,
      });
      expect(bucketRange(at(8, 0), at(8, 59, 59, 999), 'hour')).toStrictEqual({
        interval: 'hour',
        first: at(8, 0),
        count: 1,
      });
    });

    it('counts hours across a day boundary', () => {
      const range = bucketRange(NOW - DAY, NOW, 'hour');

      expect(range).toStrictEqual({ interval: 'hour', first: at(8, 0) - DAY, count: 25 });
      const starts = bucketStarts(range);
      expect(starts).toHaveLength(25);
      expect(starts[0]).toBe(Date.UTC(2026, 10, 26, 8));
      expect(starts[24]).toBe(at(8, 0));
      expect(starts.every((start, i) => i === 0 || start - starts[i - 1] === HOUR)).toBe(true);
    });

    it('is empty when `to` is in a bucket before that of `from`', () => {
      for (const to of [at(8, 9, 59, 999), at(8, 9), at(7, 0), 0]) {
        const range = bucketRange(at(8, 10), to, 'minute');
        expect(range.count).toBe(0);
        expect(bucketStarts(range)).toStrictEqual([]);
      }
      expect(bucketRange(at(9, 0), at(8, 59, 59, 999), 'hour').count).toBe(0);
    });
  });

  describe('oldestKept and bucketExpiry', () => {
    it('names the bucket that holds now minus the retention', () => {
      expect(oldestKept(NOW, 'minute', SMALL)).toBe(at(8, 20));
      expect(oldestKept(NOW, 'hour', SMALL)).toBe(at(3, 0));
      expect(oldestKept(NOW, 'minute', DEFAULT_RETENTION)).toBe(Date.UTC(2026, 10, 26, 8, 30));
      expect(oldestKept(NOW, 'hour', DEFAULT_RETENTION)).toBe(Date.UTC(2026, 9, 28, 8));
    });

    it('expires a bucket its retention after it ends', () => {
      expect(bucketExpiry(at(8, 30), 'minute', SMALL)).toBe(at(8, 41));
      expect(bucketExpiry(at(8, 0), 'hour', SMALL)).toBe(at(14, 0));
      expect(bucketExpiry(at(8, 30), 'minute', DEFAULT_RETENTION)).toBe(
        Date.UTC(2026, 10, 28, 8, 31),
      );
    });

    it('expires a bucket just as it stops being kept', () => {
      const start = at(8, 30);
      const expiry = bucketExpiry(start, 'minute', SMALL);

      expect(oldestKept(expiry - 1, 'minute', SMALL)).toBe(start);
      expect(oldestKept(expiry, 'minute', SMALL)).toBeGreaterThan(start);
    });
  });

  describe('keptRuns', () => {
    it('splits a range into runs of at most perRun buckets, each with its offset', () => {
      const range = { interval: 'minute' as const, first: at(8, 21), count: 7 };

      expect(keptRuns(range, NOW, SMALL, 3)).toStrictEqual([
        { first: at(8, 21), count: 3, offset: 0 },
        { first: at(8, 24), count: 3, offset: 3 },
        { first: at(8, 27), count: 1, offset: 6 },
      ]);
      expect(keptRuns(range, NOW, SMALL, 7)).toStrictEqual([
        { first: at(8, 21), count: 7, offset: 0 },
      ]);
    });

    it('leaves out the buckets past their retention', () => {
      // 08:20 is the oldest minute kept at NOW: 08:17 to 08:19 are not read.
      const range = { interval: 'minute' as const, first: at(8, 17), count: 6 };

      expect(keptRuns(range, NOW, SMALL, 2)).toStrictEqual([
        { first: at(8, 20), count: 2, offset: 3 },
        { first: at(8, 22), count: 1, offset: 5 },
      ]);
      const hours = { interval: 'hour' as const, first: at(1, 0), count: 4 };
      expect(keptRuns(hours, NOW, SMALL, 10)).toStrictEqual([
        { first: at(3, 0), count: 2, offset: 2 },
      ]);
    });

    it('has no runs when every bucket is past its retention, or there are none', () => {
      expect(
        keptRuns({ interval: 'minute', first: at(8, 0), count: 5 }, NOW, SMALL, 10),
      ).toStrictEqual([]);
      expect(
        keptRuns({ interval: 'minute', first: at(8, 25), count: 0 }, NOW, SMALL, 10),
      ).toStrictEqual([]);
    });
  });

  describe('windowRange', () => {
    it('uses minute buckets while they reach back to `since`', () => {
      expect(windowRange(NOW, NOW, SMALL)).toStrictEqual({
        interval: 'minute',
        first: at(8, 30),
        count: 1,
      });
      expect(windowRange(NOW - 5 * MINUTE, NOW, SMALL)).toStrictEqual({
        interval: 'minute',
        first: at(8, 25),
        count: 6,
      });
    });

    it('uses minute buckets from the oldest minute kept, exactly on its start', () => {
      expect(windowRange(at(8, 20), NOW, SMALL)).toStrictEqual({
        interval: 'minute',
        first: at(8, 20),
        count: 11,
      });
    });

    it('switches to hour buckets 1 ms before the oldest minute kept', () => {
      expect(windowRange(at(8, 20) - 1, NOW, SMALL)).toStrictEqual({
        interval: 'hour',
        first: at(8, 0),
        count: 1,
      });
      expect(windowRange(at(7, 10), NOW, SMALL)).toStrictEqual({
        interval: 'hour',
        first: at(7, 0),
        count: 2,
      });
    });

    it('uses hour buckets back to the oldest hour kept, and nothing beyond', () => {
      expect(windowRange(at(3, 0), NOW, SMALL)).toStrictEqual({
        interval: 'hour',
        first: at(3, 0),
        count: 6,
      });
      expect(windowRange(at(3, 0) - 1, NOW, SMALL)).toBeUndefined();
      expect(windowRange(NOW - 2 * DAY, NOW, SMALL)).toBeUndefined();
    });

    it('uses minutes for a day and hours for 30 days by default', () => {
      expect(windowRange(NOW - 24 * HOUR, NOW, DEFAULT_RETENTION)?.interval).toBe('minute');
      expect(windowRange(NOW - 24 * HOUR, NOW, DEFAULT_RETENTION)?.count).toBe(24 * 60 + 1);
      expect(windowRange(NOW - 25 * HOUR, NOW, DEFAULT_RETENTION)?.interval).toBe('hour');
      expect(windowRange(NOW - 30 * DAY, NOW, DEFAULT_RETENTION)).toStrictEqual({
        interval: 'hour',
        first: at(8, 0) - 30 * DAY,
        count: 30 * 24 + 1,
      });
      expect(windowRange(NOW - 31 * DAY, NOW, DEFAULT_RETENTION)).toBeUndefined();
    });
  });

  describe('coveringBuckets', () => {
    const minutes = (first: number, count: number) => ({
      interval: 'minute' as const,
      first,
      count,
    });

    it('reads a day of minutes as its edge minutes and its whole hours', () => {
      // since=-24h at 08:30:15: 07:30 yesterday to 08:30 today, 1441 minutes.
      const buckets = coveringBuckets(minutes(at(8, 30) - DAY, 1441), NOW, DEFAULT_RETENTION);

      expect(buckets).toHaveLength(30 + 23 + 31);
      expect(buckets.slice(0, 30).every(({ interval }) => interval === 'minute')).toBe(true);
      expect(buckets[30]).toStrictEqual({ interval: 'hour', start: at(8, 0) - DAY + HOUR });
      expect(buckets[52]).toStrictEqual({ interval: 'hour', start: at(7, 0) });
      expect(buckets[53]).toStrictEqual({ interval: 'minute', start: at(8, 0) });
      expect(buckets[83]).toStrictEqual({ interval: 'minute', start: at(8, 30) });
      // Every minute of the range is covered once.
      const covered = buckets.reduce((sum, { interval }) => sum + INTERVAL_MS[interval], 0);
      expect(covered).toBe(1441 * MINUTE);
    });

    it('keeps minutes where an hour is not whole, and an hour range as hours', () => {
      expect(coveringBuckets(minutes(at(7, 0), 60), NOW, DEFAULT_RETENTION)).toStrictEqual([
        { interval: 'hour', start: at(7, 0) },
      ]);
      expect(coveringBuckets(minutes(at(7, 0), 59), NOW, DEFAULT_RETENTION)).toHaveLength(59);
      expect(
        coveringBuckets({ interval: 'hour', first: at(6, 0), count: 3 }, NOW, DEFAULT_RETENTION),
      ).toStrictEqual([
        { interval: 'hour', start: at(6, 0) },
        { interval: 'hour', start: at(7, 0) },
        { interval: 'hour', start: at(8, 0) },
      ]);
    });

    it('leaves out buckets past their retention, and reads no hour whose minutes are gone', () => {
      // Minutes kept from 08:20; the range starts at 07:00.
      const buckets = coveringBuckets(minutes(at(7, 0), 91), NOW, SMALL);

      expect(buckets[0]).toStrictEqual({ interval: 'minute', start: at(8, 20) });
      expect(buckets).toHaveLength(11);
      expect(coveringBuckets(minutes(at(7, 0), 10), NOW, SMALL)).toStrictEqual([]);
    });
  });

  describe('parseDuration', () => {
    it.each([
      ['90s', 90 * SECOND],
      ['15m', 15 * MINUTE],
      ['24h', 24 * HOUR],
      ['30d', 30 * DAY],
      ['0s', 0],
      ['1d', DAY],
      ['999999999s', 999_999_999 * SECOND],
    ])('reads %p as %p ms', (text, ms) => {
      expect(parseDuration(text)).toBe(ms);
    });

    it.each(['', '1', 'h', '-1h', '+1h', '1.5h', '1H', ' 1h', '1h ', '1w', '1ms', '1h30m', '1e3s'])(
      'rejects %p',
      (text) => {
        expect(parseDuration(text)).toBeUndefined();
      },
    );

    it('rejects more than nine digits', () => {
      expect(parseDuration('1000000000s')).toBeUndefined();
    });
  });

  describe('parseTime', () => {
    it.each([
      ['now', NOW],
      ['-30s', NOW - 30 * SECOND],
      ['-15m', NOW - 15 * MINUTE],
      ['-1h', NOW - HOUR],
      ['-7d', NOW - 7 * DAY],
      ['-0m', NOW],
      ['-90m', NOW - 90 * MINUTE],
    ])('reads %p relative to now', (text, expected) => {
      expect(parseTime(text, NOW)).toBe(expected);
    });

    it.each([
      ['2026-11-27T08:00:00Z', at(8, 0)],
      ['2026-11-27T08:00Z', at(8, 0)],
      ['2026-11-27T08:00:05.123Z', at(8, 0, 5, 123)],
      ['2026-11-27T09:00:00+01:00', at(8, 0)],
      ['2026-11-27T03:30:00-04:30', at(8, 0)],
      ['2026-11-27T08:00:00+00:00', at(8, 0)],
      ['2026-11-27', Date.UTC(2026, 10, 27)],
      ['2024-02-29', Date.UTC(2024, 1, 29)],
    ])('reads ISO-8601 %p', (text, expected) => {
      expect(parseTime(text, NOW)).toBe(expected);
    });

    it('reads ISO-8601 independently of now', () => {
      expect(parseTime('2026-11-27T08:00:00Z', 0)).toBe(at(8, 0));
    });

    it.each([
      '',
      '1h',
      '+1h',
      '-1x',
      '-1.5h',
      '- 1h',
      '-1H',
      'yesterday',
      'NOW',
      ' now',
      'now ',
      '2026-13-01T00:00Z',
      '2026-11-27T23:60Z',
      '2026-11-27T08:00:00',
      '2026-11-27T08:00:00+0100',
      '2026-11-27 08:00:00Z',
      '27/11/2026',
      '2026-11',
      '1795737600000',
      'Fri, 27 Nov 2026 08:00:00 GMT',
    ])('rejects %p', (text) => {
      expect(parseTime(text, NOW)).toBeUndefined();
    });

    it.each(['2026-02-30', '2026-04-31T00:00Z', '2025-02-29', '2026-11-31T08:00:00+01:00'])(
      'rejects %p, a day its month does not have (not rolled over into the next month)',
      (text) => {
        expect(parseTime(text, NOW)).toBeUndefined();
      },
    );
  });

  describe('formatDuration', () => {
    it.each([
      [DAY, '24h'],
      [30 * DAY, '30d'],
      [2 * DAY, '2d'],
      [36 * HOUR, '36h'],
      [HOUR, '1h'],
      [90 * MINUTE, '90m'],
      [10 * MINUTE, '10m'],
      [45 * SECOND, '45s'],
      [90 * SECOND, '90s'],
      [1_500, '1500ms'],
    ])('writes %p ms as %p', (ms, text) => {
      expect(formatDuration(ms)).toBe(text);
    });

    it('writes what parseDuration reads back to the same value', () => {
      for (const ms of [DAY, 30 * DAY, 90 * MINUTE, 36 * HOUR, 45 * SECOND, 7 * DAY]) {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }
    });
  });
});
