import { compareUtf8 } from '../../common/utf8-order';
import { leaderMember } from '../window-top';
import type { Leader } from '../window-top';

interface Entry extends Leader {
  member: string;
}

/** Highest count first, ties by member in UTF-8 byte order: a Redis sorted set of negated counts. */
function compareEntries(a: Entry, b: Entry): number {
  return b.count - a.count || compareUtf8(a.member, b.member);
}

/**
 * The leaders of one bucket: the `capacity` strongest resources it counted,
 * exactly, as the Redis store keeps them (ZADD, then ZPOPMAX beyond the
 * capacity). Counts only grow within a bucket, so a resource left out never
 * has more than the weakest leader.
 */
export class BucketLeaders {
  /** Strongest first. */
  private readonly entries: Entry[] = [];
  private readonly byMember = new Map<string, Entry>();

  constructor(private readonly capacity: number) {}

  /** Sets a resource's count (in one life) in the bucket. */
  set(resourceId: string, life: string, count: number): void {
    const member = leaderMember(resourceId, life);
    const existing = this.byMember.get(member);
    if (existing) this.entries.splice(this.indexOf(existing), 1);
    const entry = { resourceId, life, count, member };
    if (
      this.entries.length >= this.capacity &&
      compareEntries(entry, this.entries[this.entries.length - 1]) > 0
    ) {
      if (existing) this.byMember.delete(member);
      return;
    }
    this.entries.splice(this.indexOf(entry), 0, entry);
    this.byMember.set(member, entry);
    if (this.entries.length > this.capacity) {
      this.byMember.delete((this.entries.pop() as Entry).member);
    }
  }

  /** The first `depth` leaders, strongest first. */
  top(depth: number): Leader[] {
    return this.entries
      .slice(0, depth)
      .map(({ resourceId, life, count }) => ({ resourceId, life, count }));
  }

  /** Where `entry` is, or would go (binary search). */
  private indexOf(entry: Entry): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareEntries(this.entries[middle], entry) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
