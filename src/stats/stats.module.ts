import { Module } from '@nestjs/common';
import { ResourcesModule } from '../resources/resources.module';
import { TrackingModule } from '../tracking/tracking.module';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';

/** `GET /stats`: cache and tracker counters. */
@Module({
  imports: [ResourcesModule, TrackingModule],
  controllers: [StatsController],
  providers: [StatsService],
})
export class StatsModule {}
