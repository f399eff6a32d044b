import { compareUtf8, takeSmallest } from '../common/utf8-order';
import type { BucketRef } from '../time-series/time-buckets';
import type { TopResource } from './tracking-store';

/*
 * The windowed top list, the same on every store: each bucket keeps its
 * leaders (the resources with most interactions in it, exactly, at most
 * BUCKET_LEADERS of them); a window merges the leaders of its buckets, then
 * reads the exact counts of the few resources it may list. Its cost grows
 * with the number of buckets and the limit, never with the number of
 * resources tracked. What is exact and what may not be: docs/top-lists.md.
 */

/** How many leaders each bucket keeps: as many as the largest `limit`. */
export const BUCKET_LEADERS = 1000;

/** Leaders read per window at most, spread over its buckets (each bucket gives at least `limit`). */
export const LEADERS_READ_PER_WINDOW = 4000;

/** A resource, in one life (see `TrackingStore`), and its count in one bucket. */
export interface Leader {
  resourceId: string;
  /** The life of the resource the count belongs to: a dropped resource tracked again has a new one. */
  life: string;
  count: number;
}

/** A resource in one life. */
export interface ResourceLife {
  resourceId: string;
  life: string;
}

/** A resource to check, with the buckets whose counts of it are not known yet. */
export interface Check extends ResourceLife {
  buckets: BucketRef[];
}

/** What a check finds: the resource's last interaction and its counts in the buckets asked. */
export interface Checked {
  lastAt: number;
  counts: number;
}

/** What a store gives the windowed top list. */
export interface WindowSource {
  /** The first `depth` leaders of each bucket, strongest first (highest count, ties by member). */
  leaders(buckets: readonly BucketRef[], depth: number): Promise<Leader[][]>;
  /**
   * For each resource, `undefined` when it is no longer tracked in that
   * life; else its last interaction and the sum of its counts (in that life) in `buckets`.
   */
  check(resources: readonly Check[]): Promise<Array<Checked | undefined>>;
}

/**
 * How leaders are ordered within a bucket: highest count first, ties by
 * member (`<id>\0<life>`) in UTF-8 byte order, as a Redis sorted set of
 * negated counts orders them. Ids hold no control character, so `\0` ends the id.
 */
export function leaderMember(resourceId: string, life: string): string {
  return `${resourceId}\u0000${life}`;
}

/** The inverse of {@link leaderMember}. */
export function parseLeaderMember(member: string, count: number): Leader {
  const end = member.indexOf('\u0000');
  return { resourceId: member.slice(0, end), life: member.slice(end + 1), count };
}

interface Candidate extends ResourceLife {
  /** Sum of its counts in the buckets where it was read among the leaders. */
  partial: number;
  /** Most it can have in the buckets where it was not read: their last leaders' counts. */
  unread: number;
  /** Buckets (indexes) where it was read among the leaders. */
  seen: number[];
}

const upperBound = (candidate: Candidate): number => candidate.partial + candidate.unread;

/**
 * The order candidates are checked in: most counted where read first (the
 * likeliest totals), then highest possible total, then by id and life.
 */
function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    b.partial - a.partial ||
    upperBound(b) - upperBound(a) ||
    compareUtf8(a.resourceId, b.resourceId) ||
    compareUtf8(a.life, b.life)
  );
}

/** Highest possible total first, ties by id: the best a candidate could rank. */
function compareBest(a: Candidate, b: Candidate): number {
  return upperBound(b) - upperBound(a) || compareUtf8(a.resourceId, b.resourceId);
}

/** Highest total first; ties by id in UTF-8 byte order. */
function compareTop(a: TopResource, b: TopResource): number {
  return b.total - a.total || compareUtf8(a.resourceId, b.resourceId);
}

/**
 * The `limit` resources with most interactions in `buckets`, highest first,
 * ties by id, each with its exact count in them.
 *
 * 1. Reads the first `depth` leaders of every bucket. A bucket read to its
 *    end lists everyone it counted; one cut at `depth` may hold others, each
 *    with at most its last leader's count (its ceiling).
 * 2. Each resource read gets a lower bound (its counts where it was read) and
 *    an upper bound (plus the ceilings of the cut buckets where it was not).
 * 3. Candidates are checked, highest lower bound first: still tracked in
 *    that life, and their exact total (the counts of the cut buckets where
 *    they were not read). Checking stops when the `limit`-th total beats
 *    every unchecked candidate's upper bound (no one left can enter), or
 *    after `2 × limit + 20` candidates when counts are too flat to tell.
 */
export async function topOfWindow(
  source: WindowSource,
  buckets: readonly BucketRef[],
  limit: number,
): Promise<TopResource[]> {
  if (limit <= 0 || buckets.length === 0) return [];
  const depth = Math.min(
    BUCKET_LEADERS,
    Math.max(limit, Math.ceil(LEADERS_READ_PER_WINDOW / buckets.length)),
  );
  const lists = await source.leaders(buckets, depth);
  const ceilings = lists.map((list) => (list.length < depth ? 0 : list[list.length - 1].count));
  const allCeilings = ceilings.reduce((sum, each) => sum + each, 0);

  const candidates = new Map<string, Candidate>();
  lists.forEach((list, i) => {
    for (const { resourceId, life, count } of list) {
      const member = leaderMember(resourceId, life);
      let candidate = candidates.get(member);
      if (!candidate) {
        candidate = { resourceId, life, partial: 0, unread: allCeilings, seen: [] };
        candidates.set(member, candidate);
      }
      candidate.partial += count;
      candidate.unread -= ceilings[i];
      candidate.seen.push(i);
    }
  });

  const ordered = takeSmallest(candidates.values(), 2 * limit + 20, compareCandidates);
  const rows: TopResource[] = [];
  let next = 0;
  while (next < ordered.length) {
    // Most lists are settled by the first `limit + 10`; flat ones take the rest in one more round.
    const batch = ordered.slice(next, next === 0 ? limit + 10 : undefined);
    next += batch.length;
    for (const { resourceId, life } of batch) candidates.delete(leaderMember(resourceId, life));
    rows.push(...(await exactRows(source, buckets, ceilings, batch)));
    rows.sort(compareTop);
    if (rows.length >= limit) {
      const last = rows[limit - 1];
      const best = takeSmallest(candidates.values(), 1, compareBest)[0];
      if (
        !best ||
        last.total > upperBound(best) ||
        (last.total === upperBound(best) && compareUtf8(last.resourceId, best.resourceId) < 0)
      ) {
        break;
      }
    }
  }
  return rows.slice(0, limit);
}

/** The rows of the candidates still tracked in their life, with their exact totals. */
async function exactRows(
  source: WindowSource,
  buckets: readonly BucketRef[],
  ceilings: readonly number[],
  batch: readonly Candidate[],
): Promise<TopResource[]> {
  // Only cut buckets can hide a count; a bucket read to its end lists everyone it counted.
  const checked = await source.check(
    batch.map(({ resourceId, life, seen }) => ({
      resourceId,
      life,
      buckets: buckets.filter((_, i) => ceilings[i] > 0 && !seen.includes(i)),
    })),
  );
  return batch.flatMap(({ resourceId, partial }, i) => {
    const found = checked[i];
    return found ? [{ resourceId, total: partial + found.counts, lastAt: found.lastAt }] : [];
  });
}
