/** A store the e2e suites run against, with the environment that selects it. */
export interface StoreTarget {
  name: string;
  env: () => Record<string, string>;
}

/**
 * Every store the e2e suites are run against: `describe.each(storeTargets)`.
 * A suite that only makes sense for one store says so with its own condition.
 */
export const storeTargets: StoreTarget[] = [{ name: 'memory', env: () => ({}) }];
