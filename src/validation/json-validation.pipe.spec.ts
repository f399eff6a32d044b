import { BadRequestException, ValidationPipe } from '@nestjs/common';
import type { ArgumentMetadata } from '@nestjs/common';
import fc from 'fast-check';
import { MsetResourcesDto } from '../resources/dto/bulk.dto';
import { PutResourceDto } from '../resources/dto/put-resource.dto';
import { ResourceParamsDto } from '../resources/dto/resource-params.dto';
import { JsonValidationPipe, OMITTED_MESSAGE } from './json-validation.pipe';
import { IsResourceId } from './validation-rules';

const METADATA: ArgumentMetadata = { type: 'body', metatype: PutResourceDto, data: '' };

/** JSON whose keys an ordinary ValidationPipe would strip, at several depths. */
const TRICKY_DATA = [
  '{"__proto__":{"polluted":true,"constructor":{"prototype":{"x":1}}}',
  ',"constructor":"c"',
  ',"prototype":[{"__proto__":null},{"a":{"constructor":{"prototype":0}}}]',
  ',"nested":{"deeper":{"__proto__":{"__proto__":[1,2]},"prototype":"p"}}}',
].join('');

/** True when `text` names `field` as a word of its own. */
const names = (text: string, field: string): boolean =>
  new RegExp(`(^|[^A-Za-z0-9_])${field}([^A-Za-z0-9_]|$)`).test(text);

describe(JsonValidationPipe.name, () => {
  let sut: JsonValidationPipe;

  beforeEach(() => {
    sut = new JsonValidationPipe();
  });

  const transform = (body: unknown) => sut.transform(body, METADATA) as Promise<PutResourceDto>;

  /** The messages of the 400 the pipe rejects `body` with. */
  async function rejection(body: unknown): Promise<string[]> {
    const error: unknown = await transform(body).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(BadRequestException);
    const { message } = (error as BadRequestException).getResponse() as { message: unknown };
    return [message].flat().map(String);
  }

  async function expectRejectionNaming(body: unknown, field: string): Promise<void> {
    const messages = await rejection(body);
    expect(messages.filter((message) => names(message, field))).not.toHaveLength(0);
  }

  describe('valid bodies', () => {
    it('returns an instance of the DTO with its fields', async () => {
      const result = await transform({ data: { a: 1 }, ttl: 60, tags: ['x', 'y'] });

      expect(result).toBeInstanceOf(PutResourceDto);
      expect(result).toMatchObject({ data: { a: 1 }, ttl: 60, tags: ['x', 'y'] });
    });

    it('hands back data with __proto__, constructor and prototype keys verbatim', async () => {
      const body: unknown = JSON.parse(`{"data":${TRICKY_DATA},"ttl":60,"tags":["t"]}`);

      const result = await transform(body);

      expect(result).toBeInstanceOf(PutResourceDto);
      // toEqual, not toStrictEqual: Jest's type check misreads an own `constructor`
      // key holding an object, even between two results of JSON.parse.
      expect(result.data).toEqual(JSON.parse(TRICKY_DATA));
      expect(JSON.stringify(result.data)).toBe(TRICKY_DATA);
      const data = result.data as Record<string, Record<string, unknown>>;
      expect(Object.keys(data)).toStrictEqual(['__proto__', 'constructor', 'prototype', 'nested']);
      expect(Object.keys(data.nested.deeper as object)).toStrictEqual(['__proto__', 'prototype']);
      expect(Object.getPrototypeOf(result.data)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('keeps such keys inside an array of data too', async () => {
      const data = '[{"__proto__":{"a":1}},{"constructor":{"prototype":[{"__proto__":2}]}}]';

      const result = await transform(JSON.parse(`{"data":${data}}`));

      expect(JSON.stringify(result.data)).toBe(data);
    });

    it('leaves the body it was given untouched', async () => {
      const text = `{"data":${TRICKY_DATA},"tags":["t"]}`;
      const body: unknown = JSON.parse(text);

      await transform(body);

      expect(JSON.stringify(body)).toBe(text);
    });

    it.each([0, false, '', [], {}, 'text', 1.5])('accepts the data %p', async (data) => {
      expect((await transform({ data })).data).toStrictEqual(data);
    });

    it('accepts 32 tags of 128 characters and the largest ttl', async () => {
      const tags = Array.from({ length: 32 }, (_, i) => String(i).padEnd(128, 'x'));

      const result = await transform({ data: 1, ttl: 31_536_000, tags });

      expect(result.tags).toStrictEqual(tags);
      expect(result.ttl).toBe(31_536_000);
    });
  });

  describe('invalid bodies', () => {
    it('rejects null data naming data', async () => {
      await expectRejectionNaming({ data: null }, 'data');
    });

    it('rejects missing data naming data', async () => {
      await expectRejectionNaming({ ttl: 60 }, 'data');
    });

    it('rejects an unknown property naming it', async () => {
      await expectRejectionNaming({ data: 1, colour: 'red' }, 'colour');
    });

    it.each([['60'], [1.5], [0], [31_536_001], [-1], [null]])(
      'rejects ttl %p naming ttl',
      async (ttl) => {
        await expectRejectionNaming({ data: 1, ttl }, 'ttl');
      },
    );

    it.each([
      ['33 tags', Array.from({ length: 33 }, (_, i) => `t${i}`)],
      ['an empty tag', ['ok', '']],
      ['a tag of 129 characters', ['x'.repeat(129)]],
      ['a tag that is not a string', [1]],
      ['tags that are not a list', 'a,b'],
    ])('rejects %s naming tags', async (_case, tags) => {
      await expectRejectionNaming({ data: 1, tags }, 'tags');
    });
  });
});

describe(`${JsonValidationPipe.name}: bodies of any size`, () => {
  const MSET: ArgumentMetadata = { type: 'body', metatype: MsetResourcesDto, data: '' };
  let sut: JsonValidationPipe;

  beforeEach(() => {
    sut = new JsonValidationPipe();
  });

  /** The messages the pipe refuses `body` with, as a DTO of `metadata`. */
  async function messages(body: unknown, metadata = METADATA): Promise<string[]> {
    const error: unknown = await sut.transform(body, metadata).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(BadRequestException);
    const { message } = (error as BadRequestException).getResponse() as { message: unknown };
    return [message].flat().map(String);
  }

  it('refuses a list longer than its maximum without looking at its items', async () => {
    const items = new Proxy(
      Array.from({ length: 1001 }, () => ({})),
      {
        get(target, property, receiver) {
          if (typeof property === 'string' && /^\d+$/.test(property)) throw new Error('item read');
          return Reflect.get(target, property, receiver) as unknown;
        },
      },
    );

    expect(await messages({ items }, MSET)).toStrictEqual([
      'items must contain no more than 1000 elements',
    ]);
  });

  it('lists ten unknown properties, then says others were omitted', async () => {
    const body: Record<string, unknown> = { data: 1 };
    for (let i = 0; i < 100_000; i++) body[`k${i}`] = i;

    const refused = await messages(body);

    expect(refused).toStrictEqual([
      ...Array.from({ length: 10 }, (_, i) => `property k${i} should not exist`),
      OMITTED_MESSAGE,
    ]);
  });

  it('counts unknown properties across items', async () => {
    const items = Array.from({ length: 6 }, (_, i) => ({ id: `i${i}`, data: 1, a: 1, b: 2 }));

    const refused = await messages({ items }, MSET);

    expect(refused).toHaveLength(11);
    expect(refused[0]).toBe('items.0.property a should not exist');
    expect(refused[10]).toBe(OMITTED_MESSAGE);
  });

  it('answers the same messages for a huge array or object where a string or number is expected', async () => {
    const huge = Array.from({ length: 100_000 }, (_, i) => i);
    const small = await messages({ data: 1, ttl: [1], tags: [[1]] });

    expect(await messages({ data: 1, ttl: huge, tags: [huge] })).toStrictEqual(small);
    expect(small.some((message) => message.startsWith('ttl '))).toBe(true);
    expect(small.some((message) => message.includes(' tags '))).toBe(true);
  });

  it('cuts a message naming a huge unknown property', async () => {
    const [message] = await messages({ data: 1, ['x'.repeat(100_000)]: 1 });

    expect(message).toHaveLength(200);
    expect(message).toMatch(/^property xxx.*…$/);
  });

  it('lists at most ten messages of a thousand bad items', async () => {
    const refused = await messages({ items: Array.from({ length: 1000 }, () => ({})) }, MSET);

    expect(refused).toHaveLength(11);
    expect(refused[0]).toMatch(/^items\.0\.id /);
    expect(refused[10]).toBe(OMITTED_MESSAGE);
  });
});

/** Resource-id parameters without a precompiled check: validated once, then kept. */
class SlugParamsDto {
  @IsResourceId()
  id!: string;
}

describe(`${JsonValidationPipe.name}: path parameters`, () => {
  const PARAMS: ArgumentMetadata = { type: 'param', metatype: ResourceParamsDto, data: '' };
  const KEPT: ArgumentMetadata = { type: 'param', metatype: SlugParamsDto, data: '' };
  let sut: JsonValidationPipe;

  beforeEach(() => {
    sut = new JsonValidationPipe();
  });

  const transform = (params: unknown) => sut.transform(params, KEPT);

  it('gives resource ids that pass the precompiled check as the DTO, without validating them', async () => {
    const validate = jest.spyOn(ValidationPipe.prototype as never, 'validate');
    try {
      const dto = await sut.transform({ id: 'https://example.com/a?b=c' }, PARAMS);
      expect(dto).toBeInstanceOf(ResourceParamsDto);
      expect(dto).toEqual({ id: 'https://example.com/a?b=c' });
      expect(Object.isFrozen(dto)).toBe(true);
      expect(validate).not.toHaveBeenCalled();

      await expect(sut.transform({ id: 'a\u0007b' }, PARAMS)).rejects.toBeInstanceOf(
        BadRequestException,
      );
      expect(validate).toHaveBeenCalled();
    } finally {
      validate.mockRestore();
    }
  });

  it('gives the validated DTO, and the same one again for the same parameters', async () => {
    const first = await transform({ id: 'hot-id' });
    expect(first).toBeInstanceOf(SlugParamsDto);
    expect(first).toEqual({ id: 'hot-id' });
    expect(Object.isFrozen(first)).toBe(true);
    expect(await transform({ id: 'hot-id' })).toBe(first);
    expect(await transform({ id: 'other-id' })).toEqual({ id: 'other-id' });
  });

  it('rejects invalid parameters every time, before and after valid ones were kept', async () => {
    const invalid = { id: 'a\u0007b' };
    await expect(transform(invalid)).rejects.toBeInstanceOf(BadRequestException);
    await transform({ id: 'ab' });
    await expect(transform(invalid)).rejects.toBeInstanceOf(BadRequestException);
    await expect(transform({ id: 'x'.repeat(1025) })).rejects.toBeInstanceOf(BadRequestException);
  });

  it('keeps a bounded number of parameter sets, dropping the least recently used first', async () => {
    const first = await transform({ id: 'id-0' });
    for (let i = 1; i <= 10_000; i++) await transform({ id: `id-${i}` });
    const again = await transform({ id: 'id-0' });
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
  });

  it('answers as a plain ValidationPipe does, for valid and invalid parameters alike', async () => {
    const plain = new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
    });
    /** What a pipe resolved, or the messages it rejected with. */
    const outcome = (pipe: ValidationPipe, params: unknown): Promise<unknown> =>
      pipe.transform(params, PARAMS).then(
        (dto: unknown) => ({ dto, isInstance: dto instanceof ResourceParamsDto }),
        (error: BadRequestException) => ({ rejected: error.getResponse() }),
      );
    const id = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.string({ unit: 'grapheme', minLength: 1000, maxLength: 1100 }),
      fc.constantFrom('', 'a\u0000b', 'https://example.com/a?b=c', '__proto__'),
      fc.integer(),
    );
    const params = fc.oneof(
      fc.record({ id }),
      fc.record({ id, extra: fc.string() }),
      fc.constant({}),
      fc.constant(JSON.parse('{"id":"a","__proto__":"b"}') as unknown),
    );
    await fc.assert(
      fc.asyncProperty(params, async (value) => {
        // Each pipe gets its own copy: ValidationPipe strips keys in place.
        const copy = () => JSON.parse(JSON.stringify(value)) as unknown;
        expect(await outcome(new JsonValidationPipe(), copy())).toEqual(
          await outcome(plain, copy()),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a parameter set that is read again and again, however many others pass', async () => {
    const hot = await transform({ id: 'hot' });
    for (let i = 1; i <= 20_000; i++) {
      await transform({ id: `cold-${i}` });
      if (i % 1_000 === 0) expect(await transform({ id: 'hot' })).toBe(hot);
    }
  });
});
