/**
 * The port that makes one fill per id happen across every instance sharing a
 * store. `ReadThroughService` already shares one fill per id within a process;
 * this decides which process fills when several miss the same id together.
 */
export interface FillLock {
  /**
   * Runs `fill` for `id` when this instance wins the id's lock, or waits for
   * the instance that holds it and resolves what `readFilled` then finds. When
   * the holder stored nothing (its fetch failed, or the answer may not be
   * kept), or never finished, the waiter tries to take the lock itself.
   * Rejects with `StoreUnavailableError` when the lock's backend does not answer.
   */
  fillOnce<T>(
    id: string,
    fill: () => Promise<T>,
    readFilled: () => Promise<T | undefined>,
  ): Promise<T>;
}

/** Injection token of the {@link FillLock} port. */
export const FillLock = Symbol('FillLock');
