/**
 * `lapse/testing`: the contract suites Lapse runs on its own stores, for a
 * team to run on a store adapter of its own. They are Jest suites (they
 * import `describe`, `it` and `expect` from `@jest/globals`), so they run
 * only under Jest, called from a test file; the tracking suite also uses
 * `fast-check`. Both belong in the caller's dev dependencies.
 */
export { describeCacheStoreContract } from './cache-store.contract';
export type { CacheStoreContractOptions } from './cache-store.contract';
export { describeTrackingStoreContract } from './tracking-store.contract';
export type {
  TrackingStoreContractOptions,
  TrackingStoreSettings,
} from './tracking-store.contract';
