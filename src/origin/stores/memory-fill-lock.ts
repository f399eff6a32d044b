import type { FillLock } from '../fill-lock';

/**
 * The fill lock of a single process: always granted, since the one process
 * that holds the memory store already shares one fill per id.
 */
export class MemoryFillLock implements FillLock {
  fillOnce<T>(_id: string, fill: () => Promise<T>): Promise<T> {
    return fill();
  }
}
