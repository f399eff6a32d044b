import { Logger, Module } from '@nestjs/common';
import type { DynamicModule, InjectionToken, ModuleMetadata, OnModuleInit } from '@nestjs/common';
import { LapseConfigService } from '../config/lapse-config.service';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { ApiKeyGuard } from './api-key.guard';
import { LapseThrottlerGuard } from './lapse-throttler.guard';

/** The message of a 429: what the limit is, not the exception's class name. */
export function tooManyRequests(limit: number, ttlSeconds: number): string {
  return `Too many requests: at most ${limit} per ${ttlSeconds} s for each client (THROTTLE_LIMIT, THROTTLE_TTL)`;
}

/** Options of {@link SecurityModule}. */
export interface SecurityModuleOptions {
  /** Where rate-limit counters live; `undefined`: the throttler's own in-memory storage. */
  throttlerStorage: ThrottlerStorage | undefined;
}

/** {@link SecurityModuleOptions} made by a factory, with what it injects. */
export interface SecurityModuleAsyncOptions<Deps extends unknown[]> {
  /**
   * Which guards have work to do, known when the application is put
   * together: a guard with nothing to do is not installed at all.
   */
  guards: { apiKeys: boolean; rateLimit: boolean };
  imports?: ModuleMetadata['imports'];
  inject?: InjectionToken[];
  useFactory: (...deps: Deps) => SecurityModuleOptions | Promise<SecurityModuleOptions>;
}

/**
 * Who may call what, and how often: API keys (API_KEYS, AUTH_READS) and rate
 * limits (THROTTLE_LIMIT per THROTTLE_TTL, per key or client IP, counted in
 * Redis when the store is Redis). The rate limit runs first, so floods of
 * unauthenticated requests are limited too.
 */
@Module({})
export class SecurityModule implements OnModuleInit {
  private readonly logger = new Logger('Security');

  /**
   * The application hands in where rate-limit counters live (Lapse's
   * `StorageModule` chooses it with the other stores), as it hands the cache
   * its store.
   */
  static forRootAsync<Deps extends unknown[]>(
    options: SecurityModuleAsyncOptions<Deps>,
  ): DynamicModule {
    const { apiKeys, rateLimit } = options.guards;
    return {
      module: SecurityModule,
      // The rate limit runs first, so floods of unauthenticated requests are limited too.
      providers: [
        ...(rateLimit ? [{ provide: APP_GUARD, useClass: LapseThrottlerGuard }] : []),
        ...(apiKeys ? [{ provide: APP_GUARD, useClass: ApiKeyGuard }] : []),
      ],
      imports: rateLimit ? [SecurityModule.throttler(options)] : [],
    };
  }

  /** `@nestjs/throttler` with Lapse's limit, message, key and the storage handed in. */
  private static throttler<Deps extends unknown[]>(
    options: SecurityModuleAsyncOptions<Deps>,
  ): DynamicModule {
    return ThrottlerModule.forRootAsync({
      inject: [LapseConfigService, ...(options.inject ?? [])],
      useFactory: async (config: LapseConfigService, ...deps: unknown[]) => {
        const { throttlerStorage } = await options.useFactory(...(deps as Deps));
        const { throttleLimit, throttleTtlSeconds } = config.get('security');
        return {
          throttlers: [{ ttl: throttleTtlSeconds * 1000, limit: throttleLimit }],
          errorMessage: (_context, { limit, ttl }) => tooManyRequests(limit, ttl / 1000),
          // One budget per client across all routes, not one per route.
          generateKey: (_context, tracker, throttler) => `${throttler}:${tracker}`,
          storage: throttlerStorage,
        };
      },
    });
  }

  constructor(private readonly config: LapseConfigService) {}

  onModuleInit(): void {
    const { apiKeys, authReads } = this.config.get('security');
    if (apiKeys.length === 0) {
      this.logger.warn('API_KEYS is not set: anyone who can reach this server can write to it');
    } else {
      this.logger.log(
        `API keys required for writes${authReads ? ' and reads' : ''} (${apiKeys.length} configured)`,
      );
    }
  }
}
