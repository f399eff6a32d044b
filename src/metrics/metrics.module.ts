import { Module } from '@nestjs/common';
import { OriginModule } from '../origin/origin.module';
import { TrackingModule } from '../tracking/tracking.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** `GET /metrics` for Prometheus; the request hooks time every request into it. */
@Module({
  imports: [TrackingModule, OriginModule],
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
