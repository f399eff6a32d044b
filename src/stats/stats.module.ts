import { Module } from '@nestjs/common';
import { OriginModule } from '../origin/origin.module';
import { ResourcesModule } from '../resources/resources.module';
import { TrackingModule } from '../tracking/tracking.module';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';

/** `GET /stats`: cache, tracker and read-through counters. */
@Module({
  imports: [ResourcesModule, TrackingModule, OriginModule],
  controllers: [StatsController],
  providers: [StatsService],
})
export class StatsModule {}
