import { INTERVAL_MS } from './time-buckets';
import type { BucketRange } from './time-buckets';

/** The bounds of a range as the series responses state them (ISO-8601, end exclusive). */
export function rangeBounds({ interval, first, count }: BucketRange): { from: string; to: string } {
  return {
    from: new Date(first).toISOString(),
    to: new Date(first + count * INTERVAL_MS[interval]).toISOString(),
  };
}
