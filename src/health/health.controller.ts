import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { PublicAccess } from '../security/access.decorators';
import { StoreHealthIndicator } from './store.health';

/** Probes for orchestrators: never behind an API key or a rate limit. */
@ApiTags('health')
@PublicAccess()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: StoreHealthIndicator,
  ) {}

  /** Liveness: the process is up and serving HTTP. */
  @Get()
  @HealthCheck()
  @ApiOkResponse({ description: 'Alive.' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Readiness: the cache store answers. 503 while it does not (e.g. Redis is down). */
  @Get('ready')
  @HealthCheck()
  @ApiOkResponse({ description: 'Ready to serve.' })
  @ApiServiceUnavailableResponse({ description: 'The store does not answer.' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.store.isReachable('store')]);
  }
}
