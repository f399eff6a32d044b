import { applyDecorators } from '@nestjs/common';
import { ValidateBy } from 'class-validator';
import { WhenPresent } from '../validation/validation-rules';
import { parseTime } from './time-buckets';

/** A time in a query: `now`, relative (`-15m`, `-1h`, `-7d`) or ISO-8601. */
export function IsTimeQuery(): PropertyDecorator {
  return applyDecorators(
    WhenPresent(),
    ValidateBy({
      name: 'isTimeQuery',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && parseTime(value, Date.now()) !== undefined,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must be now, a time relative to now such as -15m, -1h or -7d, ` +
          'or an ISO-8601 time such as 2026-11-27T08:00:00Z',
      },
    }),
  );
}
