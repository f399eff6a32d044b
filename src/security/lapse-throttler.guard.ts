import { Inject, Injectable } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { LapseConfigService } from '../config/lapse-config.service';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Resolvable, ThrottlerOptions } from '@nestjs/throttler';
import { PerRoute } from '../http/per-route';
import { ApiKeys, keyFingerprint, presentedKey } from './api-keys';

/**
 * The metadata keys `@Throttle()`/`@SkipThrottle()` write, suffixed with a
 * throttler's name (`@nestjs/throttler`'s constants, which its index does
 * not export).
 */
const METADATA = {
  skip: 'THROTTLER:SKIP',
  limit: 'THROTTLER:LIMIT',
  ttl: 'THROTTLER:TTL',
  blockDuration: 'THROTTLER:BLOCK_DURATION',
  getTracker: 'THROTTLER:TRACKER',
  generateKey: 'THROTTLER:KEY_GENERATOR',
} as const;

/** One throttler as it applies to one route, its decorators read. */
interface RouteThrottler {
  throttler: ThrottlerOptions & { name: string };
  limit: Resolvable<number>;
  ttl: Resolvable<number>;
  blockDuration: Resolvable<number> | undefined;
  getTracker: NonNullable<ThrottlerOptions['getTracker']>;
  generateKey: NonNullable<ThrottlerOptions['generateKey']>;
}

/**
 * Rate limits per API key when the request presents a configured one, else
 * per client IP. A key nobody configured buys no budget of its own: it would
 * let a client dodge its limit by sending a new made-up key each time.
 *
 * It limits as `ThrottlerGuard` does, but reads each route's throttling
 * decorators once, not six reflector lookups per request.
 */
@Injectable()
export class LapseThrottlerGuard extends ThrottlerGuard {
  @Inject(LapseConfigService)
  private readonly config!: LapseConfigService;
  private keys?: ApiKeys;

  private readonly routes = new PerRoute((handler, controller): RouteThrottler[] => {
    const read = <T>(key: string, name: string) =>
      this.reflector.getAllAndOverride<T | undefined>(key + name, [handler, controller]);
    return this.throttlers.flatMap((options) => {
      // onModuleInit has named every throttler ('default' when unnamed).
      const throttler = { ...options, name: options.name ?? 'default' };
      const { name } = throttler;
      if (read<boolean>(METADATA.skip, name)) return [];
      return [
        {
          throttler,
          limit: read<Resolvable<number>>(METADATA.limit, name) ?? throttler.limit,
          ttl: read<Resolvable<number>>(METADATA.ttl, name) ?? throttler.ttl,
          blockDuration:
            read<Resolvable<number>>(METADATA.blockDuration, name) ?? throttler.blockDuration,
          getTracker:
            read<RouteThrottler['getTracker']>(METADATA.getTracker, name) ??
            throttler.getTracker ??
            this.commonOptions.getTracker ??
            ((request) => this.getTracker(request)),
          generateKey:
            read<RouteThrottler['generateKey']>(METADATA.generateKey, name) ??
            throttler.generateKey ??
            this.commonOptions.generateKey ??
            ((context, tracker, throttlerName) =>
              this.generateKey(context, tracker, throttlerName)),
        },
      ];
    });
  });

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (await this.shouldSkip(context)) return true;
    for (const route of this.routes.of(context)) {
      const skipIf = route.throttler.skipIf ?? this.commonOptions.skipIf;
      if (skipIf?.(context)) continue;
      const ttl = await resolveNumber(context, route.ttl, 'ttl', route.throttler.name);
      await this.handleRequest({
        context,
        throttler: route.throttler,
        limit: await resolveNumber(context, route.limit, 'limit', route.throttler.name),
        ttl,
        blockDuration:
          route.blockDuration === undefined
            ? ttl
            : await resolveNumber(
                context,
                route.blockDuration,
                'blockDuration',
                route.throttler.name,
              ),
        getTracker: route.getTracker,
        generateKey: route.generateKey,
      });
    }
    // A request over a limit never gets here: handleRequest throws the 429.
    return true;
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    this.keys ??= new ApiKeys(this.config.get('security').apiKeys);
    const key = presentedKey((request.headers ?? {}) as Record<string, string | undefined>);
    return Promise.resolve(
      key !== undefined && this.keys.accepts(key)
        ? `key:${keyFingerprint(key)}`
        : `ip:${String(request.ip)}`,
    );
  }
}

/** A limit, TTL or block duration, which may depend on the request. */
async function resolveNumber(
  context: ExecutionContext,
  value: Resolvable<number>,
  option: string,
  throttler: string,
): Promise<number> {
  const resolved = typeof value === 'function' ? await value(context) : value;
  if (typeof resolved !== 'number' || Number.isNaN(resolved)) {
    throw new Error(`Invalid "${option}" for the "${throttler}" throttler: ${String(resolved)}`);
  }
  return resolved;
}
