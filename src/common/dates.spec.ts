import { httpDate, isoDate, keptFormat } from './dates';

describe('kept date formats', () => {
  it('formats as Date does, the first time and every time after', () => {
    for (const ms of [0, 1_795_749_106_658, 1_795_749_106_658, 4_102_444_800_000]) {
      expect(httpDate(ms)).toBe(new Date(ms).toUTCString());
      expect(isoDate(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('stays right past the number of times it keeps', () => {
    const base = 1_700_000_000_000;
    for (let i = 0; i < 12_000; i++)
      expect(isoDate(base + i)).toBe(new Date(base + i).toISOString());
    expect(httpDate(base)).toBe(new Date(base).toUTCString());
  });

  it('keeps a time read again and again, however many others are formatted', () => {
    const format = jest.fn((date: Date) => date.toISOString());
    const kept = keptFormat(format);
    const hot = 1_800_000_000_000;
    for (let i = 0; i < 25_000; i++) {
      kept(1_600_000_000_000 + i);
      if (i % 1_000 === 0) expect(kept(hot)).toBe(new Date(hot).toISOString());
    }
    expect(format.mock.calls.filter(([date]) => date.getTime() === hot)).toHaveLength(1);
  });
});
