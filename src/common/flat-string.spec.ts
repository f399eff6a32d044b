import { flatLatin1 } from './flat-string';

describe('flatLatin1', () => {
  it('returns an equal string for Latin-1 text built by concatenation', () => {
    const parts = ['"', (77).toString(16), '-', 'JmUiV0NKa2/QD8zyAf3ZXiDSKXI', '"'];
    const built = parts.reduce((text, part) => text + part, '');
    expect(flatLatin1(built)).toBe('"4d-JmUiV0NKa2/QD8zyAf3ZXiDSKXI"');
  });

  it('keeps every Latin-1 character', () => {
    const all = Array.from({ length: 256 }, (_, code) => String.fromCharCode(code)).join('');
    expect(flatLatin1(all)).toBe(all);
  });

  it('returns the empty string unchanged', () => {
    expect(flatLatin1('')).toBe('');
  });
});
