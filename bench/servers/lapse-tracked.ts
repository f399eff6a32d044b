/**
 * Lapse with many resources already tracked, for the windowed top-list runs:
 * the real application (same bootstrap as `main.ts`), whose tracking store is
 * filled through its own port before it listens, with BENCH_TRACKED resources
 * (one interaction each, spread over the last hour) and 20 heavy hitters.
 * Filling through the port is what lets the interactions be spread over the
 * hour: through the API they would all fall in the minute of the fill.
 * Usage: node lapse-tracked.js (configured by the same environment as Lapse)
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { readProcessEnvironment } from '../../src/config/environment';
import { loadConfig } from '../../src/config/lapse.config';
import { createHttpAdapter } from '../../src/http/http-adapter';
import { AppLogger } from '../../src/logging/app-logger';
import { TrackingStore } from '../../src/tracking/tracking-store';

const HOUR = 3_600_000;

async function main(): Promise<void> {
  const tracked = Number(process.env.BENCH_TRACKED ?? 100_000);
  const config = loadConfig(readProcessEnvironment());
  const app = await NestFactory.create(AppModule.forRoot(config), await createHttpAdapter(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(AppLogger));
  configureApp(app, config);
  await app.init();
  const store = app.get<TrackingStore>(TrackingStore);
  const start = Date.now() - HOUR + 60_000;
  const started = Date.now();
  for (let i = 0; i < tracked; i += 500) {
    const batch: Array<Promise<number | undefined>> = [];
    for (let j = i; j < Math.min(tracked, i + 500); j++) {
      const at = start + Math.floor((j / tracked) * (HOUR - 60_000));
      batch.push(store.record(`tracked-${j}`, 'view', at));
      // Every 5,000th resource is a heavy hitter: 2 to 21 interactions.
      if (j % 5_000 === 0) {
        for (let k = 0; k < 1 + j / 5_000; k++)
          batch.push(store.record(`tracked-${j}`, 'click', at));
      }
    }
    await Promise.all(batch);
  }
  process.stderr.write(`bench-tracked ${tracked} in ${Date.now() - started} ms\n`);
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  await app.listen(config.http.port, config.http.host);
}

void main();
