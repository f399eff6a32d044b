import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { BUCKET_INTERVALS } from '../time-buckets';
import type { BucketInterval } from '../time-buckets';
import { IsTimeQuery } from '../is-time-query';

/** Query of the series routes: which buckets, over which range. */
export class SeriesQueryDto {
  @ApiPropertyOptional({
    description: 'Bucket size.',
    enum: BUCKET_INTERVALS,
    default: 'minute',
  })
  @IsIn(BUCKET_INTERVALS)
  interval: BucketInterval = 'minute';

  @ApiPropertyOptional({
    description:
      'Start: `now`, relative (`-15m`, `-1h`, `-7d`) or ISO-8601. Default: 1 hour before `to` ' +
      '(minute buckets), 1 day (hour buckets). At most the interval’s retention ago.',
    example: '-1h',
  })
  @IsTimeQuery()
  from?: string;

  @ApiPropertyOptional({
    description: 'End, in the same forms; a later time than now is read as now. Default: now.',
    example: 'now',
  })
  @IsTimeQuery()
  to?: string;
}
