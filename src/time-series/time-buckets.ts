/**
 * Time buckets: counts kept per minute and per hour, each for its own
 * retention. Shared by the tracker and the cache's activity counters, and by
 * both stores, so that every store cuts time the same way.
 */

export const BUCKET_INTERVALS = ['minute', 'hour'] as const;
export type BucketInterval = (typeof BUCKET_INTERVALS)[number];

/** Length of each interval's buckets, in milliseconds. */
export const INTERVAL_MS: Readonly<Record<BucketInterval, number>> = {
  minute: 60_000,
  hour: 3_600_000,
};

/** How long each interval's buckets are kept, in milliseconds. */
export type BucketRetention = Readonly<Record<BucketInterval, number>>;

/** Consecutive buckets of one interval: `count` starts from `first`, `step` apart. */
export interface BucketRange {
  interval: BucketInterval;
  first: number;
  count: number;
}

/** Start (epoch ms) of the `interval` bucket that holds `at`. */
export function bucketOf(at: number, interval: BucketInterval): number {
  const size = INTERVAL_MS[interval];
  return Math.floor(at / size) * size;
}

/** The buckets from the one holding `from` to the one holding `to`, both included. */
export function bucketRange(from: number, to: number, interval: BucketInterval): BucketRange {
  const first = bucketOf(from, interval);
  const last = bucketOf(to, interval);
  return { interval, first, count: Math.max(0, (last - first) / INTERVAL_MS[interval] + 1) };
}

/** Every bucket start of `range`, oldest first. */
export function bucketStarts({ interval, first, count }: BucketRange): number[] {
  const size = INTERVAL_MS[interval];
  return Array.from({ length: count }, (_, i) => first + i * size);
}

/** One bucket: its interval and start (epoch ms). */
export interface BucketRef {
  interval: BucketInterval;
  start: number;
}

/**
 * The fewest kept buckets whose counts add up to those of `range`: in a
 * minute range, each whole hour whose minutes are all kept is read as its
 * hour bucket (which counts exactly what its minutes do), the rest as minutes.
 * A day of minutes is then at most 59 + 24 + 59 buckets instead of 1441.
 * Buckets past their retention are left out: they count as zero.
 */
export function coveringBuckets(
  range: BucketRange,
  now: number,
  retention: BucketRetention,
): BucketRef[] {
  const size = INTERVAL_MS[range.interval];
  const hour = INTERVAL_MS.hour;
  const end = range.first + range.count * size;
  const oldestHour = oldestKept(now, 'hour', retention);
  const buckets: BucketRef[] = [];
  let start = Math.max(range.first, oldestKept(now, range.interval, retention));
  while (start < end) {
    if (
      range.interval === 'minute' &&
      start % hour === 0 &&
      start + hour <= end &&
      start >= oldestHour
    ) {
      buckets.push({ interval: 'hour', start });
      start += hour;
    } else {
      buckets.push({ interval: range.interval, start });
      start += size;
    }
  }
  return buckets;
}

/** Oldest bucket start still kept at `now`. */
export function oldestKept(
  now: number,
  interval: BucketInterval,
  retention: BucketRetention,
): number {
  return bucketOf(now - retention[interval], interval);
}

/** Consecutive buckets of a range, read together: the first's start, how many, and its offset in the range. */
export interface BucketRun {
  first: number;
  count: number;
  offset: number;
}

/**
 * The buckets of `range` still kept at `now`, in runs of at most `perRun`
 * (those past their retention may still await a store's expiry: never read).
 */
export function keptRuns(
  range: BucketRange,
  now: number,
  retention: BucketRetention,
  perRun: number,
): BucketRun[] {
  const step = INTERVAL_MS[range.interval];
  const oldest = oldestKept(now, range.interval, retention);
  const skipped = Math.max(0, Math.min(range.count, Math.ceil((oldest - range.first) / step)));
  const runs: BucketRun[] = [];
  for (let offset = skipped; offset < range.count; offset += perRun) {
    runs.push({
      first: range.first + offset * step,
      count: Math.min(perRun, range.count - offset),
      offset,
    });
  }
  return runs;
}

/** When a bucket may be dropped: its retention after it ends (epoch ms). */
export function bucketExpiry(
  start: number,
  interval: BucketInterval,
  retention: BucketRetention,
): number {
  return start + INTERVAL_MS[interval] + retention[interval];
}

/**
 * The buckets that cover `since` to `now` for a windowed count: minutes while
 * the minute buckets reach back that far, hours beyond. `undefined` when even
 * the hour buckets are gone.
 */
export function windowRange(
  since: number,
  now: number,
  retention: BucketRetention,
): BucketRange | undefined {
  for (const interval of BUCKET_INTERVALS) {
    if (bucketOf(since, interval) >= oldestKept(now, interval, retention)) {
      return bucketRange(since, now, interval);
    }
  }
  return undefined;
}

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION = /^(\d{1,9})(s|m|h|d)$/;
const RELATIVE = /^-(\d{1,9})(s|m|h|d)$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `90s`, `15m`, `24h`, `30d` in milliseconds, or `undefined` when it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}

/**
 * A point in time as a query gives it: `now`, relative to now (`-15m`, `-1h`,
 * `-7d`), or ISO-8601 (`2026-11-27T08:00:00Z`; a date alone is midnight UTC).
 * `undefined` when it is none of these.
 */
export function parseTime(text: string, now: number): number | undefined {
  if (text === 'now') return now;
  const relative = RELATIVE.exec(text);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]];
  if (!ISO_8601.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) || !isCalendarDate(text) ? undefined : at;
}

/** False for a day its month lacks (`2026-02-30`), which Date.parse rolls into the next month. */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCMonth() === month - 1;
}

/** `86400000` as `24h`, for messages that name a bound. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's']) {
    // 24h reads better than 1d; 30d better than 720h.
    if (unit === 'd' && ms < 2 * UNIT_MS.d) continue;
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** The retention Lapse keeps by default: minutes for 24 hours, hours for 30 days. */
export const DEFAULT_RETENTION: BucketRetention = { minute: 86_400_000, hour: 30 * 86_400_000 };
