import {
  MalformedJsonError,
  UnsupportedBodyEncodingError,
  hasJsonBody,
  parseJsonBody,
  unsupportedBodyEncoding,
} from './json-body';

describe('parseJsonBody (body-parser rules for Fastify)', () => {
  it('reads an empty body as {}', () => {
    expect(parseJsonBody('')).toEqual({});
  });

  it('parses objects and arrays, leading whitespace allowed', () => {
    expect(parseJsonBody(' \n{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(parseJsonBody('\t[true]')).toEqual([true]);
  });

  it('keeps __proto__ and constructor keys as plain data, without touching prototypes', () => {
    const body = parseJsonBody(
      '{"__proto__":{"polluted":1},"constructor":{"prototype":2}}',
    ) as object;
    expect(Object.keys(body)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(['42', '"text"', 'null', 'true', '   ', '{"a":', '{a:1}'])(
    'rejects %p with a 400 that may be shown',
    (text) => {
      let thrown: unknown;
      try {
        parseJsonBody(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(MalformedJsonError);
      expect(thrown).toMatchObject({ status: 400, statusCode: 400, expose: true });
    },
  );
});

describe('unsupportedBodyEncoding', () => {
  it.each([
    {},
    { 'content-type': 'application/json' },
    { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'identity' },
    { 'content-type': 'application/json;charset="UTF-8"', 'content-encoding': ' Identity ' },
  ])('reads %p', (headers) => {
    expect(unsupportedBodyEncoding(headers)).toBeUndefined();
  });

  it.each([
    [{ 'content-encoding': 'gzip' }, 'Content-Encoding "gzip"'],
    [{ 'content-encoding': 'gzip, identity' }, 'Content-Encoding "gzip, identity"'],
    [{ 'content-type': 'application/json; charset=latin1' }, 'Content-Type charset "latin1"'],
    [{ 'content-type': 'application/json; charset=UTF-16' }, 'Content-Type charset "utf-16"'],
  ])('refuses %p with a 415 naming the header', (headers, named) => {
    const error = unsupportedBodyEncoding(headers);
    expect(error).toBeInstanceOf(UnsupportedBodyEncodingError);
    expect(error).toMatchObject({ status: 415, statusCode: 415, expose: true });
    expect(error?.message).toContain(named);
  });
});

describe('hasJsonBody (what Express parses as JSON)', () => {
  it.each([
    [{ 'content-type': 'application/json', 'content-length': '2' }, true],
    [{ 'content-type': 'Application/JSON; charset=latin1', 'transfer-encoding': 'chunked' }, true],
    [{ 'content-type': 'application/json', 'content-length': '0' }, true],
    [{ 'content-type': 'application/json' }, false],
    [{ 'content-type': 'text/plain', 'content-length': '2' }, false],
    [{ 'content-length': '2' }, false],
  ])('%p: %p', (headers, expected) => {
    expect(hasJsonBody(headers)).toBe(expected);
  });
});
