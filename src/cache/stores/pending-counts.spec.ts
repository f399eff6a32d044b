import { PendingCounts } from './pending-counts';

const RETENTION = { minute: 86_400_000, hour: 30 * 86_400_000 };
/** The start of an hour (and so of a minute). */
const HOUR = 1_800_000_000_000 - (1_800_000_000_000 % 3_600_000);

describe(PendingCounts.name, () => {
  it('has nothing to take until something is counted', () => {
    const counts = new PendingCounts(RETENTION);

    expect(counts.pending).toBe(false);
    expect(counts.take()).toBeUndefined();
  });

  it('files each count under the minute and hour of its moment, with the bucket expiry', () => {
    const counts = new PendingCounts(RETENTION);
    counts.add(HOUR + 59_000);
    counts.add(HOUR + 59_999, 2);
    counts.add(HOUR + 60_000);

    const taken = counts.take();

    expect(taken?.total).toBe(4);
    expect(taken?.buckets).toEqual(
      expect.arrayContaining([
        {
          interval: 'minute',
          start: HOUR,
          expireAt: HOUR + 60_000 + RETENTION.minute,
          count: 3,
        },
        {
          interval: 'minute',
          start: HOUR + 60_000,
          expireAt: HOUR + 120_000 + RETENTION.minute,
          count: 1,
        },
        {
          interval: 'hour',
          start: HOUR,
          expireAt: HOUR + 3_600_000 + RETENTION.hour,
          count: 4,
        },
      ]),
    );
    expect(taken?.buckets).toHaveLength(3);
    expect(counts.pending).toBe(false);
    expect(counts.take()).toBeUndefined();
  });

  it('puts back what could not be added, merged with what was counted meanwhile', () => {
    const counts = new PendingCounts(RETENTION);
    counts.add(HOUR);
    const taken = counts.take()!;
    counts.add(HOUR + 1, 2);

    counts.restore(taken);

    const again = counts.take();
    expect(again?.total).toBe(3);
    expect(again?.buckets.map(({ interval, count }) => [interval, count])).toEqual([
      ['minute', 3],
      ['hour', 3],
    ]);
  });
});
