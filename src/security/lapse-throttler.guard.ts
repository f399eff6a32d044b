import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { keyFingerprint, presentedKey } from './api-keys';

/** Rate limits per API key when the request presents one, else per client IP. */
@Injectable()
export class LapseThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const key = presentedKey((request.headers ?? {}) as Record<string, string | undefined>);
    return Promise.resolve(key ? `key:${keyFingerprint(key)}` : `ip:${String(request.ip)}`);
  }
}
