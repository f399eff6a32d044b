/** Waits for real time to pass (expiry is tested with real short TTLs). */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
