import { Injectable } from '@nestjs/common';

/** What read-through did with origins, counted since this process started. */
export interface OriginActivity {
  /** Requests sent to origins (revalidations included). */
  fetches: number;
  /** Revalidations the origin answered 304: the stored body kept, its lifetime renewed. */
  revalidations: number;
  /** Answers served stale: while a refresh ran, or because the origin failed. */
  staleServed: number;
  /** Origin requests that failed: unreachable, too slow, 5xx or an unreadable answer. */
  errors: number;
  /**
   * Reads that waited for an origin request already under way instead of
   * making one: in this process, or on another instance sharing Redis.
   */
  joined: number;
}

export type OriginCounter = keyof OriginActivity;

/**
 * Read-through counters of this process, in memory: each instance counts its
 * own origin requests (they are not shared through the store, as the origin
 * requests themselves are not).
 */
@Injectable()
export class OriginCounters {
  private readonly activity: OriginActivity = {
    fetches: 0,
    revalidations: 0,
    staleServed: 0,
    errors: 0,
    joined: 0,
  };

  count(counter: OriginCounter): void {
    this.activity[counter] += 1;
  }

  snapshot(): OriginActivity {
    return { ...this.activity };
  }
}
