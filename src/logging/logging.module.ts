import { Global, Module } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { LapseConfigService } from '../config/lapse-config.service';
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
      inject: [LapseConfigService],
      useFactory: (config: LapseConfigService) => new AppLogger(config.get('logging')),
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
