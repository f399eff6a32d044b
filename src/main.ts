import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { InvalidEnvironmentError, readProcessEnvironment } from './config/environment';
import { loadConfig } from './config/lapse.config';
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
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false });
  configureApp(app, config);
  // On SIGTERM/SIGINT: stop listening, let in-flight requests finish, close
  // the stores, then exit 0 (Nest's default would re-raise the signal).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await app.listen(config.http.port, config.http.host);
  const server = app.getHttpServer() as Server;
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  logger.log(`Listening on http://${host}:${port} (Swagger UI at /docs)`);
}

void bootstrap();
