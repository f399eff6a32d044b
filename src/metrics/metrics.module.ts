import { Module } from '@nestjs/common';
import { TrackingModule } from '../tracking/tracking.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** `GET /metrics` for Prometheus; the request hooks time every request into it. */
@Module({
  imports: [TrackingModule],
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
