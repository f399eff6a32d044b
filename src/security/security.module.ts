import { Logger, Module } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { LapseConfig } from '../config/lapse.config';
import { STORES } from '../storage/storage.module';
import type { Stores } from '../storage/storage.module';
import { ApiKeyGuard } from './api-key.guard';
import { LapseThrottlerGuard } from './lapse-throttler.guard';

/**
 * Who may call what, and how often: API keys (API_KEYS, AUTH_READS) and rate
 * limits (THROTTLE_LIMIT per THROTTLE_TTL, per key or client IP, counted in
 * Redis when the store is Redis). The rate limit runs first, so floods of
 * unauthenticated requests are limited too.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, STORES],
      useFactory: (config: ConfigService<LapseConfig, true>, stores: Stores) => {
        const { throttleLimit, throttleTtlSeconds } = config.get('security', { infer: true });
        return {
          throttlers: [{ ttl: throttleTtlSeconds * 1000, limit: Math.max(throttleLimit, 1) }],
          skipIf: () => throttleLimit === 0,
          // Says what the limit is, not the exception's class name.
          errorMessage: (_context, { limit, ttl }) =>
            `Too many requests: at most ${limit} per ${ttl / 1000} s for each client (THROTTLE_LIMIT, THROTTLE_TTL)`,
          // One budget per client across all routes, not one per route.
          generateKey: (_context, tracker, throttler) => `${throttler}:${tracker}`,
          storage: stores.throttler,
        };
      },
    }),
  ],
  providers: [
    { provide: APP_GUARD, useClass: LapseThrottlerGuard },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
})
export class SecurityModule implements OnModuleInit {
  private readonly logger = new Logger('Security');

  constructor(private readonly config: ConfigService<LapseConfig, true>) {}

  onModuleInit(): void {
    const { apiKeys, authReads } = this.config.get('security', { infer: true });
    if (apiKeys.length === 0) {
      this.logger.warn('API_KEYS is not set: anyone who can reach this server can write to it');
    } else {
      this.logger.log(
        `API keys required for writes${authReads ? ' and reads' : ''} (${apiKeys.length} configured)`,
      );
    }
  }
}
