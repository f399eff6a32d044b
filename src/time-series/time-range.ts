import { BadRequestException } from '@nestjs/common';
import {
  bucketOf,
  bucketRange,
  formatDuration,
  oldestKept,
  parseTime,
  windowRange,
} from './time-buckets';
import type { BucketInterval, BucketRange, BucketRetention } from './time-buckets';

/** The variable that sets each interval's retention, named in errors. */
const RETENTION_VARIABLE: Readonly<Record<BucketInterval, string>> = {
  minute: 'TRACKING_MINUTE_RETENTION',
  hour: 'TRACKING_HOUR_RETENTION',
};

/** A range as a query gives it (already validated as times). */
export interface RangeQuery {
  interval: BucketInterval;
  /** Default: one hour (minute buckets) or one day (hour buckets) before `to`. */
  from?: string;
  /** Default and latest: now. */
  to?: string;
}

const DEFAULT_SPAN_MS: Readonly<Record<BucketInterval, number>> = {
  minute: 3_600_000,
  hour: 86_400_000,
};

/**
 * The buckets a series query asks for. A `to` in the future is read as now
 * (clocks differ a little); a `from` older than the interval's retention, or
 * later than `to`, is a 400 that names the bound.
 */
export function resolveSeriesRange(
  { interval, from, to }: RangeQuery,
  now: number,
  retention: BucketRetention,
): BucketRange {
  const end = Math.min(to === undefined ? now : (parseTime(to, now) as number), now);
  const start =
    from === undefined ? end - DEFAULT_SPAN_MS[interval] : (parseTime(from, now) as number);
  if (start > end) {
    throw new BadRequestException(`from must not be later than to (or now, when to is later)`);
  }
  const oldest = oldestKept(now, interval, retention);
  if (bucketOf(end, interval) < oldest) {
    throw beyondRetention('to', interval, retention, oldest);
  }
  // A default start never reaches past the retention; a given one is checked below.
  const range = bucketRange(from === undefined ? Math.max(start, oldest) : start, end, interval);
  if (range.first < oldest) {
    throw beyondRetention('from', interval, retention, oldest);
  }
  return range;
}

/** The 400 for a series bound older than the interval's retention. */
function beyondRetention(
  field: 'from' | 'to',
  interval: BucketInterval,
  retention: BucketRetention,
  oldest: number,
): BadRequestException {
  return new BadRequestException(
    `${field} must not be more than ${formatDuration(retention[interval])} ago for interval=${interval} ` +
      `(${RETENTION_VARIABLE[interval]}): the earliest is ${new Date(oldest).toISOString()}`,
  );
}

/** The buckets a windowed top list reads; a 400 naming `since` when they are gone. */
export function resolveWindow(since: string, now: number, retention: BucketRetention): BucketRange {
  const at = parseTime(since, now) as number;
  if (at > now) throw new BadRequestException('since must not be in the future');
  const range = windowRange(at, now, retention);
  if (!range) {
    throw new BadRequestException(
      `since must not be more than ${formatDuration(retention.hour)} ago ` +
        `(${RETENTION_VARIABLE.hour}): the earliest is ` +
        `${new Date(oldestKept(now, 'hour', retention)).toISOString()}`,
    );
  }
  return range;
}
