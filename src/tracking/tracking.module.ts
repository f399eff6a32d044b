import { Module } from '@nestjs/common';
import { ResourcesModule } from '../resources/resources.module';
import { TrackingController } from './tracking.controller';
import { TrackingService } from './tracking.service';

/**
 * Interaction tracking: counts per resource and the most-interacted list.
 * Needs a `TrackingStore` provider in scope (`StorageModule` gives one).
 */
@Module({
  imports: [ResourcesModule],
  controllers: [TrackingController],
  providers: [TrackingService],
  exports: [TrackingService],
})
export class TrackingModule {}
