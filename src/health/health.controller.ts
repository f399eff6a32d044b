import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';
import { PublicAccess, Unlimited } from '../security/access.decorators';
import { HealthResponseDto } from './dto/health-response.dto';
import { StoreHealthIndicator } from './store.health';

/**
 * Terminus's options, without its own documentation: it would give the
 * liveness probe a 503 it never answers, and examples of a `database` check.
 */
const PROBE = { noCache: true, swaggerDocumentation: false };

/** Probes for orchestrators: never behind an API key or a rate limit. */
@ApiTags('health')
@PublicAccess()
@Unlimited()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: StoreHealthIndicator,
  ) {}

  /**
   * Liveness probe
   *
   * @remarks The process is up and serving HTTP: always 200, whatever the
   * store does.
   */
  @Get()
  @HealthCheck(PROBE)
  @ApiOkResponse({
    description: 'Alive.',
    type: HealthResponseDto,
    example: { status: 'ok', info: {}, error: {}, details: {} },
  })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * Readiness probe
   *
   * @remarks The store answers: 200, else 503 (e.g. while Redis is down or
   * slower than REDIS_TIMEOUT_MS). On a Redis Cluster: 200 while one master
   * answers, each master's state under `nodes`, and a message naming those down.
   */
  @Get('ready')
  @HealthCheck(PROBE)
  @ApiOkResponse({
    description: 'Ready to serve.',
    type: HealthResponseDto,
    example: {
      status: 'ok',
      info: { store: { status: 'up' } },
      error: {},
      details: { store: { status: 'up' } },
    },
  })
  @ApiServiceUnavailableResponse({
    description: 'The store does not answer.',
    type: HealthResponseDto,
    example: {
      status: 'error',
      info: {},
      error: { store: { status: 'down', message: 'Cache store unavailable' } },
      details: { store: { status: 'down', message: 'Cache store unavailable' } },
    },
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.store.isReachable('store')]);
  }
}
