import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

/** Starts the host app: DATABASE_URL names its PostgreSQL, PORT its port (3000). */
async function bootstrap(): Promise<void> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('Set DATABASE_URL, e.g. postgres://user@localhost/db');
  const app = await NestFactory.create(AppModule.forRoot({ connectionString }));
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  new Logger('HostApp').log(`Listening on ${port}: /quotes, and Lapse under /cache`);
}

void bootstrap();
