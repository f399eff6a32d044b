/** When a sweep runs: its bounds, in milliseconds. */
export interface SweepTiming {
  /** Least time between two sweeps (CACHE_SWEEP_INTERVAL_MS). */
  minIntervalMs: number;
  /** Most time between two sweeps, whatever is known to be due. */
  idleMs: number;
}

/**
 * Runs a sweep when something may be due rather than on a fixed beat, so that
 * an idle instance leaves a shared store alone. The next sweep is due at the
 * earliest expiry known: the one the last sweep reported (the head of the
 * expiry index), or an earlier one this process has written since
 * (`wakeBy`). Sweeps are at least `minIntervalMs` apart, and at most
 * `idleMs` apart, which bounds how late an entry written by another process
 * that has since stopped is reclaimed.
 */
export class SweepSchedule {
  private timer?: NodeJS.Timeout;
  /** When the pending timer fires (epoch ms). */
  private dueAt = Infinity;
  private lastSweepAt = Date.now();
  private running = false;
  private stopped = false;

  /**
   * @param sweep reclaims what is due; resolves the earliest expiry left
   *   (epoch ms), or `undefined` when nothing is left or it could not tell.
   */
  constructor(
    private readonly sweep: () => Promise<number | undefined>,
    private readonly timing: SweepTiming,
  ) {}

  /** Schedules the first sweep, one interval from now. */
  start(): void {
    this.schedule(Date.now() + this.timing.minIntervalMs);
  }

  /** Makes sure a sweep runs by `expiresAt` (within the least interval). */
  wakeBy(expiresAt: number): void {
    if (this.stopped || expiresAt >= this.dueAt) return;
    // A sweep under way reschedules when it ends, from what it reports and
    // what was woken meanwhile.
    if (this.running) {
      this.dueAt = expiresAt;
      return;
    }
    this.schedule(expiresAt);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    const { minIntervalMs, idleMs } = this.timing;
    const now = Date.now();
    const due = Math.min(Math.max(at, this.lastSweepAt + minIntervalMs), now + idleMs);
    clearTimeout(this.timer);
    this.dueAt = due;
    this.timer = setTimeout(() => void this.run(), Math.max(0, due - now));
    this.timer.unref();
  }

  private async run(): Promise<void> {
    this.running = true;
    this.dueAt = Infinity;
    this.lastSweepAt = Date.now();
    let next: number | undefined;
    try {
      next = await this.sweep();
    } catch {
      // The store is unavailable: try again after the least interval.
      next = Date.now();
    } finally {
      this.running = false;
    }
    // An expiry woken during the sweep may come before the one it reported.
    this.schedule(Math.min(next ?? Infinity, this.dueAt));
  }
}
