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
  app.useLogger(app.get(AppLogger));
  const connections = configureApp(app, config);
  // On SIGTERM/SIGINT: stop listening, close idle connections, let in-flight
  // requests finish (answered with `Connection: close`, for up to
  // SHUTDOWN_TIMEOUT_MS), close the stores, then exit 0 (Nest's default would
  // re-raise the signal).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal} received: finishing in-flight requests, then exiting`);
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
