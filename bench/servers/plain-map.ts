/**
 * Memory held by a plain `Map` of N parsed ~100-byte JSON values: the
 * reference for Lapse's bytes per entry. Prints {"bytesPerEntry": ..., "heapBytesPerEntry": ...}.
 * Usage: node --expose-gc plain-map.js <entries>
 */
import { benchValue } from '../workloads';

const count = Number(process.argv[2]);
const collect = (): void => (globalThis as { gc?: () => void }).gc?.();

collect();
const before = process.memoryUsage();
const map = new Map<string, unknown>();
for (let i = 0; i < count; i++) map.set(`key-${i}`, JSON.parse(JSON.stringify(benchValue(i))));
collect();
const after = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    entries: map.size,
    bytesPerEntry: (after.rss - before.rss) / count,
    heapBytesPerEntry: (after.heapUsed - before.heapUsed) / count,
  })}\n`,
);
