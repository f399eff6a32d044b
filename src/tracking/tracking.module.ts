import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { LapseConfig } from '../config/lapse.config';
import { ResourcesModule } from '../resources/resources.module';
import { MemoryTrackingStore } from './memory-tracking.store';
import { TrackingStore } from './tracking-store';
import { TrackingController } from './tracking.controller';
import { TrackingService } from './tracking.service';

/** Interaction tracking: counts per resource and the most-interacted list. */
@Module({
  imports: [ResourcesModule],
  controllers: [TrackingController],
  providers: [
    TrackingService,
    {
      provide: TrackingStore,
      inject: [ConfigService],
      useFactory: (config: ConfigService<LapseConfig, true>): TrackingStore =>
        new MemoryTrackingStore(config.get('tracking', { infer: true }).maxResources),
    },
  ],
  exports: [TrackingService],
})
export class TrackingModule {}
