import { Global, Module } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { LapseConfig } from '../config/lapse.config';
import { AppLogger } from './app-logger';

/**
 * Provides the {@link AppLogger}: `main.ts` makes it Nest's logger, and the
 * request hooks write one line per request through it.
 */
@Global()
@Module({
  providers: [
    {
      provide: AppLogger,
      inject: [ConfigService],
      useFactory: (config: ConfigService<LapseConfig, true>) =>
        new AppLogger(config.get('logging', { infer: true })),
    },
  ],
  exports: [AppLogger],
})
export class LoggingModule implements OnApplicationShutdown {
  constructor(private readonly logger: AppLogger) {}

  onApplicationShutdown(): void {
    this.logger.close();
  }
}
