/**
 * Preloaded into a server under test (`node --expose-gc -r settle-memory.js …`)
 * so the bench can weigh it as it weighs the plain `Map`: on SIGUSR2 it runs
 * full garbage collections and reports the memory that is left on stderr, as
 * one line `bench-memory {"rss":…,"heapUsed":…}`. Nothing of it is in Lapse.
 */
const collect = (globalThis as { gc?: () => void }).gc;

process.on('SIGUSR2', () => {
  // Two passes: the first may only queue finalisers and weak references.
  collect?.();
  collect?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.stderr.write(`bench-memory ${JSON.stringify({ rss, heapUsed })}\n`);
});
