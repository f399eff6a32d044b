import { headerSafeTag } from './http-cache-headers';

/** Field values Node.js accepts: tab, visible ASCII, space, obs-text. */
const VALID_FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

describe(headerSafeTag.name, () => {
  it.each(['articles', 'user:42', 'a.b_c-d/e~f', 'ABC!#$&*+;=?@[]^`{|}', '"quoted"'])(
    'keeps the printable ASCII tag %p as it is',
    (tag) => {
      expect(headerSafeTag(tag)).toBe(tag);
    },
  );

  it.each([
    ['a,b', 'a%2Cb'],
    ['a b', 'a%20b'],
    ['100%', '100%25'],
    ['café', 'caf%C3%A9'],
    ['line\r\nbreak', 'line%0D%0Abreak'],
    ['tab\there', 'tab%09here'],
    ['del\x7f', 'del%7F'],
    ['😀', '%F0%9F%98%80'],
  ])('percent-encodes what would split or break the headers: %p → %p', (tag, sent) => {
    expect(headerSafeTag(tag)).toBe(sent);
    expect(decodeURIComponent(headerSafeTag(tag))).toBe(tag);
  });

  it('sends a lone surrogate as U+FFFD', () => {
    expect(headerSafeTag('a\ud800b')).toBe('a%EF%BF%BDb');
  });

  it('always gives one token that Cache-Tag and Surrogate-Key can carry', () => {
    const unfit: string[] = [];
    for (let code = 0; code < 0x3000; code += 1) {
      const sent = headerSafeTag(`x${String.fromCharCode(code)}y`);
      if (!VALID_FIELD_VALUE.test(sent) || /[\s,]/.test(sent)) unfit.push(sent);
    }
    expect(unfit).toEqual([]);
  });
});
