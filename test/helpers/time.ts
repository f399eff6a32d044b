/** Waits for real time to pass (expiry is tested with real short TTLs). */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it passes or `withinMs` runs out; resolves the time it took. */
export async function eventually(
  check: () => Promise<void> | void,
  withinMs: number,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - start;
    } catch (error) {
      if (Date.now() - start > withinMs) throw error;
      await sleep(100);
    }
  }
}
