import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { LapseConfigService } from '../config/lapse-config.service';
import { setHeaders } from '../http/adapter-neutral';
import { PerRoute } from '../http/per-route';
import { ACCESS_METADATA, accessOfMethod } from './access.decorators';
import type { Access } from './access.decorators';
import { ApiKeys, presentedKey } from './api-keys';

/** The messages of a 401. */
export const MISSING_KEY =
  'An API key is required: Authorization: Bearer <key> or X-API-Key: <key>';
export const INVALID_KEY = 'The API key is not valid';

/**
 * Requires an API key (when API_KEYS is set) for every route that changes
 * state, and for reads too when AUTH_READS is on. A missing or wrong key is a
 * 401 with `WWW-Authenticate`, before anything runs.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeys;
  private readonly authReads: boolean;
  /** The access each route declares, if any. */
  private readonly declared = new PerRoute((handler, controller) =>
    this.reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, [handler, controller]),
  );

  constructor(
    private readonly reflector: Reflector,
    config: LapseConfigService,
  ) {
    const security = config.get('security');
    this.keys = new ApiKeys(security.apiKeys);
    this.authReads = security.authReads;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.keys.enabled) return true;
    const request = context.switchToHttp().getRequest<{
      method: string;
      headers: Record<string, string | string[] | undefined>;
    }>();
    const access = this.accessOf(context, request.method);
    if (access === 'public' || (access === 'read' && !this.authReads)) return true;
    const key = presentedKey(request.headers);
    if (this.keys.accepts(key)) return true;
    setHeaders(context.switchToHttp().getResponse(), {
      'WWW-Authenticate': `Bearer realm="lapse"${key === undefined ? '' : ', error="invalid_token"'}`,
    });
    throw new UnauthorizedException(key === undefined ? MISSING_KEY : INVALID_KEY);
  }

  private accessOf(context: ExecutionContext, method: string): Access {
    return this.declared.of(context) ?? accessOfMethod(method);
  }
}
