import { BadRequestException } from '@nestjs/common';
import { DEFAULT_RETENTION } from './time-buckets';
import type { BucketRetention } from './time-buckets';
import { resolveSeriesRange, resolveWindow } from './time-range';

/** Fixed clock: 2026-11-27T08:30:15.250Z. */
const NOW = Date.UTC(2026, 10, 27, 8, 30, 15, 250);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const at = (hour: number, minute: number, second = 0, ms = 0): number =>
  Date.UTC(2026, 10, 27, hour, minute, second, ms);
const iso = (ms: number): string => new Date(ms).toISOString();

/** Ten minutes of minute buckets, five hours of hour buckets. */
const SMALL: BucketRetention = { minute: 10 * MINUTE, hour: 5 * HOUR };

/** The 400 that `call` throws, for its message. */
function badRequest(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getStatus()).toBe(400);
    return (error as BadRequestException).message;
  }
  throw new Error('expected a BadRequestException, but nothing was thrown');
}

describe('resolveSeriesRange', () => {
  it('defaults to the last hour of minutes, up to now', () => {
    expect(resolveSeriesRange({ interval: 'minute' }, NOW, DEFAULT_RETENTION)).toStrictEqual({
      interval: 'minute',
      first: at(7, 30),
      count: 61,
    });
  });

  it('defaults to the last day of hours, up to now', () => {
    expect(resolveSeriesRange({ interval: 'hour' }, NOW, DEFAULT_RETENTION)).toStrictEqual({
      interval: 'hour',
      first: at(8, 0) - DAY,
      count: 25,
    });
  });

  it('defaults `from` to one span before an explicit `to`', () => {
    expect(
      resolveSeriesRange(
        { interval: 'minute', to: '2026-11-27T06:10:30Z' },
        NOW,
        DEFAULT_RETENTION,
      ),
    ).toStrictEqual({ interval: 'minute', first: at(5, 10), count: 61 });
  });

  it('takes relative and ISO-8601 ends, both included', () => {
    expect(
      resolveSeriesRange({ interval: 'minute', from: '-15m', to: 'now' }, NOW, DEFAULT_RETENTION),
    ).toStrictEqual({ interval: 'minute', first: at(8, 15), count: 16 });
    expect(
      resolveSeriesRange(
        { interval: 'minute', from: '2026-11-27T08:00:00Z', to: '2026-11-27T08:05:00Z' },
        NOW,
        DEFAULT_RETENTION,
      ),
    ).toStrictEqual({ interval: 'minute', first: at(8, 0), count: 6 });
    expect(
      resolveSeriesRange(
        { interval: 'hour', from: '2026-11-27T03:00:00+02:00', to: '-1h' },
        NOW,
        DEFAULT_RETENTION,
      ),
    ).toStrictEqual({ interval: 'hour', first: at(1, 0), count: 7 });
  });

  it('is one bucket when `from` and `to` are both now', () => {
    expect(
      resolveSeriesRange({ interval: 'minute', from: 'now', to: 'now' }, NOW, DEFAULT_RETENTION),
    ).toStrictEqual({ interval: 'minute', first: at(8, 30), count: 1 });
  });

  it('reads a `to` in the future as now', () => {
    const later = resolveSeriesRange(
      { interval: 'minute', from: '-15m', to: '2026-11-27T09:45:00Z' },
      NOW,
      DEFAULT_RETENTION,
    );
    const defaulted = resolveSeriesRange({ interval: 'minute', to: '2030-01-01' }, NOW, SMALL);

    expect(later).toStrictEqual({ interval: 'minute', first: at(8, 15), count: 16 });
    expect(defaulted).toStrictEqual(resolveSeriesRange({ interval: 'minute' }, NOW, SMALL));
  });

  it('clamps a default `from` to the oldest bucket kept', () => {
    // One hour of minutes is asked for by default; only ten are kept.
    expect(resolveSeriesRange({ interval: 'minute' }, NOW, SMALL)).toStrictEqual({
      interval: 'minute',
      first: at(8, 20),
      count: 11,
    });
    expect(
      resolveSeriesRange({ interval: 'minute', to: iso(NOW - 23.5 * HOUR) }, NOW, DEFAULT_RETENTION)
        .first,
    ).toBe(Date.UTC(2026, 10, 26, 8, 30));
  });

  it('accepts a `from` exactly one retention ago, and from the start of the oldest bucket', () => {
    expect(
      resolveSeriesRange({ interval: 'minute', from: '-24h' }, NOW, DEFAULT_RETENTION),
    ).toStrictEqual({ interval: 'minute', first: Date.UTC(2026, 10, 26, 8, 30), count: 1441 });
    expect(
      resolveSeriesRange({ interval: 'hour', from: '-30d' }, NOW, DEFAULT_RETENTION),
    ).toStrictEqual({
      interval: 'hour',
      first: at(8, 0) - 30 * DAY,
      count: 721,
    });
    expect(
      resolveSeriesRange({ interval: 'minute', from: iso(at(8, 20)) }, NOW, SMALL),
    ).toStrictEqual({ interval: 'minute', first: at(8, 20), count: 11 });
  });

  it('is a 400 naming from, the bound and its variable when `from` is older (minutes)', () => {
    const message = badRequest(() =>
      resolveSeriesRange({ interval: 'minute', from: '-25h' }, NOW, DEFAULT_RETENTION),
    );

    expect(message).toBe(
      'from must not be more than 24h ago for interval=minute (TRACKING_MINUTE_RETENTION): ' +
        'the earliest is 2026-11-26T08:30:00.000Z',
    );
  });

  it('is a 400 naming from, the bound and its variable when `from` is older (hours)', () => {
    const message = badRequest(() =>
      resolveSeriesRange({ interval: 'hour', from: '-31d', to: '-30d' }, NOW, DEFAULT_RETENTION),
    );

    expect(message).toBe(
      'from must not be more than 30d ago for interval=hour (TRACKING_HOUR_RETENTION): ' +
        'the earliest is 2026-10-28T08:00:00.000Z',
    );
  });

  it('is a 400 1 ms before the oldest bucket kept', () => {
    const message = badRequest(() =>
      resolveSeriesRange({ interval: 'minute', from: iso(at(8, 20) - 1) }, NOW, SMALL),
    );

    expect(message).toContain('from must not be more than 10m ago for interval=minute');
    expect(message).toContain('TRACKING_MINUTE_RETENTION');
    expect(message).toContain('2026-11-27T08:20:00.000Z');
    expect(() =>
      resolveSeriesRange({ interval: 'hour', from: iso(at(3, 0) - 1) }, NOW, SMALL),
    ).toThrow('from must not be more than 5h ago for interval=hour (TRACKING_HOUR_RETENTION)');
  });

  it('is a 400 naming to, the bound and its variable when `to` is older than the retention', () => {
    const message = badRequest(() =>
      resolveSeriesRange({ interval: 'minute', to: '-11m' }, NOW, SMALL),
    );
    expect(message).toContain('to must not be more than 10m ago');
    expect(message).toContain('TRACKING_MINUTE_RETENTION');
  });

  it('is a 400 naming from and to when `from` is later than `to`', () => {
    const message = badRequest(() =>
      resolveSeriesRange({ interval: 'minute', from: '-5m', to: '-10m' }, NOW, DEFAULT_RETENTION),
    );

    expect(message).toMatch(/^from must not be later than to/);
  });

  it('is a 400 when `from` is in the future, even with `to` in the future too', () => {
    for (const to of [undefined, '2026-11-27T10:00:00Z']) {
      expect(
        badRequest(() =>
          resolveSeriesRange(
            { interval: 'minute', from: '2026-11-27T09:00:00Z', to },
            NOW,
            DEFAULT_RETENTION,
          ),
        ),
      ).toMatch(/^from must not be later than to/);
    }
  });

  it('accepts `from` equal to `to`, 1 ms apart in the same bucket', () => {
    const same = iso(at(8, 10, 30));

    expect(
      resolveSeriesRange({ interval: 'minute', from: same, to: same }, NOW, DEFAULT_RETENTION),
    ).toStrictEqual({ interval: 'minute', first: at(8, 10), count: 1 });
    expect(() =>
      resolveSeriesRange(
        { interval: 'minute', from: iso(at(8, 10, 30, 1)), to: same },
        NOW,
        DEFAULT_RETENTION,
      ),
    ).toThrow(BadRequestException);
  });
});

describe('resolveWindow', () => {
  it('reads minute buckets for a window within the minute retention', () => {
    expect(resolveWindow('-15m', NOW, DEFAULT_RETENTION)).toStrictEqual({
      interval: 'minute',
      first: at(8, 15),
      count: 16,
    });
    expect(resolveWindow('-2h', NOW, DEFAULT_RETENTION)).toStrictEqual({
      interval: 'minute',
      first: at(6, 30),
      count: 121,
    });
    expect(resolveWindow('now', NOW, DEFAULT_RETENTION)).toStrictEqual({
      interval: 'minute',
      first: at(8, 30),
      count: 1,
    });
  });

  it('reads hour buckets beyond the minute retention', () => {
    expect(resolveWindow('-2d', NOW, DEFAULT_RETENTION)).toStrictEqual({
      interval: 'hour',
      first: at(8, 0) - 2 * DAY,
      count: 49,
    });
    expect(resolveWindow(iso(at(8, 20) - 1), NOW, SMALL)).toStrictEqual({
      interval: 'hour',
      first: at(8, 0),
      count: 1,
    });
    expect(resolveWindow(iso(at(8, 20)), NOW, SMALL).interval).toBe('minute');
  });

  it('is a 400 naming since, the bound and its variable beyond the hour retention', () => {
    const message = badRequest(() => resolveWindow('-31d', NOW, DEFAULT_RETENTION));

    expect(message).toBe(
      'since must not be more than 30d ago (TRACKING_HOUR_RETENTION): ' +
        'the earliest is 2026-10-28T08:00:00.000Z',
    );
    expect(badRequest(() => resolveWindow(iso(at(3, 0) - 1), NOW, SMALL))).toBe(
      'since must not be more than 5h ago (TRACKING_HOUR_RETENTION): ' +
        'the earliest is 2026-11-27T03:00:00.000Z',
    );
    expect(resolveWindow(iso(at(3, 0)), NOW, SMALL)).toStrictEqual({
      interval: 'hour',
      first: at(3, 0),
      count: 6,
    });
  });

  it('is a 400 naming since when it is in the future', () => {
    expect(
      badRequest(() => resolveWindow('2026-11-27T08:30:15.251Z', NOW, DEFAULT_RETENTION)),
    ).toBe('since must not be in the future');
    expect(resolveWindow('2026-11-27T08:30:15.250Z', NOW, DEFAULT_RETENTION).count).toBe(1);
  });
});
