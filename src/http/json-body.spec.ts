import { MalformedJsonError, parseJsonBody } from './json-body';

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
