import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { InvalidEnvironmentError, readProcessEnvironment } from './config/environment';
import { loadConfig } from './config/lapse.config';
import { createHttpAdapter } from './http/http-adapter';
import { AppLogger } from './logging/app-logger';
import type { LapseConfig } from './config/lapse.config';

const logger = new Logger('Lapse');

function configOrExit(): LapseConfig {
  try {
    return loadConfig(readProcessEnvironment());
  } catch (error) {
    if (!(error instanceof InvalidEnvironmentError)) throw error;
    logger.error(error.message);
    process.exit(1);
  }
}

async function bootstrap(): Promise<void> {
  const config = configOrExit();
  const app = await NestFactory.create(AppModule.forRoot(config), await createHttpAdapter(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  const appLogger = app.get(AppLogger);
  app.useLogger(appLogger);
  const connections = configureApp(app, config);
  // On SIGTERM/SIGINT: stop listening, close idle connections, let in-flight
  // requests finish (answered with `Connection: close`, for up to
  // SHUTDOWN_TIMEOUT_MS), close the stores, then exit 0 (Nest's default would
  // re-raise the signal).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      const signalledAt = performance.now();
      logger.log(`${signal} received: finishing in-flight requests, then exiting`);
      // The last line: how long the shutdown took, as the process saw it.
      process.once('exit', (code) => {
        const ms = Math.round(performance.now() - signalledAt);
        logger.log(`Exiting with code ${code}, ${ms} ms after ${signal}`);
        appLogger.flush();
      });
      connections.drain(config.shutdownTimeoutMs);
      setTimeout(() => {
        logger.error(`Requests still running after ${config.shutdownTimeoutMs} ms: exiting anyway`);
        connections.closeAll();
        process.exit(1);
      }, config.shutdownTimeoutMs).unref();
    });
  }
  await app.listen(config.http.port, config.http.host);
  const server = app.getHttpServer() as Server;
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  logger.log(`Listening on http://${host}:${port} (Swagger UI at /docs)`);
}

void bootstrap();
