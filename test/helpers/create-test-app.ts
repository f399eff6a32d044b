import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { loadConfig } from '../../src/config/lapse.config';
import { createHttpAdapter } from '../../src/http/http-adapter';
import { testAdapterEnv } from './adapters';

/**
 * Boots the real application, configured exactly as `main.ts` configures it,
 * from the given environment variables (defaults for the rest). The process
 * environment is not read, so tests never depend on the machine they run on.
 */
export async function createTestApp(env: Record<string, string> = {}): Promise<INestApplication> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...testAdapterEnv(), ...env });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
  }).compile();
  const app = moduleRef.createNestApplication(await createHttpAdapter(config), {
    bodyParser: false,
    logger: ['error', 'warn'],
  });
  configureApp(app, config);
  await app.init();
  if (config.http.adapter === 'fastify') {
    // Fastify answers only once ready; supertest talks to its server directly.
    await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  }
  return app;
}
