import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { setHeaders } from '../http/adapter-neutral';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus metrics (text exposition format). Needs a key when AUTH_READS is on. */
  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format.', type: String })
  async scrape(@Res({ passthrough: true }) response: unknown): Promise<string> {
    setHeaders(response, { 'Content-Type': this.metrics.contentType });
    return this.metrics.scrape();
  }
}
