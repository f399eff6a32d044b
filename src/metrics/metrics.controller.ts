import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { setHeaders } from '../http/adapter-neutral';
import { Unlimited } from '../security/access.decorators';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@Unlimited()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /**
   * Prometheus metrics
   *
   * @remarks Requests, cache, tracker, store and process metrics in
   * Prometheus's text exposition format. Never rate-limited; needs a key when
   * AUTH_READS is on.
   */
  @Get()
  @Header('Cache-Control', 'no-store')
  // Only the metrics are text: an error (a 401) is JSON, as everywhere.
  @ApiOkResponse({
    description: 'Prometheus text exposition format.',
    content: {
      'text/plain': {
        schema: { type: 'string' },
        example: '# TYPE lapse_store_up gauge\nlapse_store_up 1\n',
      },
    },
  })
  async scrape(@Res({ passthrough: true }) response: unknown): Promise<string> {
    setHeaders(response, { 'Content-Type': this.metrics.contentType });
    return this.metrics.scrape();
  }
}
