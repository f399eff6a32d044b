import { SweepSchedule } from './sweep-schedule';

describe('SweepSchedule', () => {
  const start = Date.parse('2026-12-03T10:00:00Z');
  let sweeps: number[];
  let nextExpiry: number | undefined;
  let schedule: SweepSchedule;

  beforeEach(() => {
    jest.useFakeTimers({ now: start });
    sweeps = [];
    nextExpiry = undefined;
    schedule = new SweepSchedule(
      () => {
        sweeps.push(Date.now() - start);
        return Promise.resolve(nextExpiry);
      },
      { minIntervalMs: 1000, idleMs: 60_000 },
    );
  });
  afterEach(() => {
    schedule.stop();
    jest.useRealTimers();
  });

  it('sweeps once after the least interval, then only once per idle period when nothing is due', async () => {
    schedule.start();
    await jest.advanceTimersByTimeAsync(130_000);
    expect(sweeps).toEqual([1000, 61_000, 121_000]);
  });

  it('sweeps at the earliest expiry the last sweep reported', async () => {
    nextExpiry = start + 5000;
    schedule.start();
    await jest.advanceTimersByTimeAsync(1000);
    nextExpiry = undefined;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sweeps).toEqual([1000, 5000]);
  });

  it('is woken by an earlier expiry written meanwhile, but not sooner than the least interval', async () => {
    schedule.start();
    await jest.advanceTimersByTimeAsync(1000);
    schedule.wakeBy(start + 3000);
    schedule.wakeBy(start + 1200); // within the least interval of the last sweep
    await jest.advanceTimersByTimeAsync(5000);
    expect(sweeps).toEqual([1000, 2000]);
  });

  it('ignores a later expiry than the one already scheduled', async () => {
    nextExpiry = start + 4000;
    schedule.start();
    await jest.advanceTimersByTimeAsync(1000);
    schedule.wakeBy(start + 30_000);
    nextExpiry = undefined;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sweeps).toEqual([1000, 4000]);
  });

  it('keeps an expiry woken while a sweep runs', async () => {
    let release!: () => void;
    const slow = new SweepSchedule(
      async () => {
        sweeps.push(Date.now() - start);
        if (sweeps.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return undefined;
      },
      { minIntervalMs: 1000, idleMs: 60_000 },
    );
    slow.start();
    await jest.advanceTimersByTimeAsync(1000);
    slow.wakeBy(start + 2500); // during the first sweep
    release();
    await jest.advanceTimersByTimeAsync(5000);
    slow.stop();
    expect(sweeps).toEqual([1000, 2500]);
  });

  it('tries again after the least interval when a sweep fails', async () => {
    const failing = new SweepSchedule(
      () => {
        sweeps.push(Date.now() - start);
        return Promise.reject(new Error('store unavailable'));
      },
      { minIntervalMs: 1000, idleMs: 60_000 },
    );
    failing.start();
    await jest.advanceTimersByTimeAsync(3500);
    failing.stop();
    expect(sweeps).toEqual([1000, 2000, 3000]);
  });

  it('sweeps no more once stopped', async () => {
    schedule.start();
    schedule.stop();
    schedule.wakeBy(start + 10);
    await jest.advanceTimersByTimeAsync(120_000);
    expect(sweeps).toEqual([]);
  });
});
