import { Module } from '@nestjs/common';
import { ResourcesModule } from '../resources/resources.module';
import { TrackingModule } from '../tracking/tracking.module';
import { CompatController } from './compat.controller';
import { CompatService } from './compat.service';

/** The original two routes, kept working exactly as they did. */
@Module({
  imports: [ResourcesModule, TrackingModule],
  controllers: [CompatController],
  providers: [CompatService],
})
export class CompatModule {}
