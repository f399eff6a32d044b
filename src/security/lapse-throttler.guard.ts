import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { LapseConfig } from '../config/lapse.config';
import { ApiKeys, keyFingerprint, presentedKey } from './api-keys';

/**
 * Rate limits per API key when the request presents a configured one, else
 * per client IP. A key nobody configured buys no budget of its own: it would
 * let a client dodge its limit by sending a new made-up key each time.
 */
@Injectable()
export class LapseThrottlerGuard extends ThrottlerGuard {
  @Inject(ConfigService)
  private readonly config!: ConfigService<LapseConfig, true>;
  private keys?: ApiKeys;

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    this.keys ??= new ApiKeys(this.config.get('security', { infer: true }).apiKeys);
    const key = presentedKey((request.headers ?? {}) as Record<string, string | undefined>);
    return Promise.resolve(
      key !== undefined && this.keys.accepts(key)
        ? `key:${keyFingerprint(key)}`
        : `ip:${String(request.ip)}`,
    );
  }
}
