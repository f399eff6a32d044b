import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsDefined,
  IsInt,
  IsObject,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { ValidationOptions } from 'class-validator';
import { RejectsContainers } from './dto-shape';
import { Verbatim, VerbatimNested } from './json-validation.pipe';
import {
  INTERACTION_TYPE_PATTERN,
  MAX_ID_LENGTH,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  MAX_TTL_SECONDS,
} from './limits';

const CONTROL_CHARACTER = /\p{Cc}/u;

/** True when `value` is a usable resource id: 1 to 1024 characters, no control characters. */
export function isResourceId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= MAX_ID_LENGTH &&
    !CONTROL_CHARACTER.test(value)
  );
}

/**
 * A string of `min` to `max` characters as JavaScript counts them (UTF-16 code
 * units), unlike class-validator's `Length`, which counts code points.
 */
export function IsStringOfLength(
  min: number,
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStringOfLength',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && value.length >= min && value.length <= max,
        defaultMessage: (args) =>
          `${options?.each ? 'each value in ' : ''}${args?.property ?? 'value'} must be a string of ${min} to ${max} characters`,
      },
    },
    options,
  );
}

/** Validates only when the property is present; unlike `@IsOptional()`, `null` is still checked. */
export const WhenPresent = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);

/** No control characters (checked only on strings; other rules reject other types). */
const HasNoControlCharacters = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'hasNoControlCharacters',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !CONTROL_CHARACTER.test(value),
        defaultMessage: (args) =>
          `${options?.each ? 'each value in ' : ''}${args?.property ?? 'value'} must not contain control characters`,
      },
    },
    options,
  );

/** A resource id: 1 to 1024 characters (a key or a URL), no control characters. */
export function IsResourceId(): PropertyDecorator {
  return applyDecorators(
    IsStringOfLength(1, MAX_ID_LENGTH),
    HasNoControlCharacters(),
    RejectsContainers(),
    ApiProperty({
      description: 'Resource id: a key or a URL, 1 to 1024 characters, no control characters.',
      minLength: 1,
      maxLength: MAX_ID_LENGTH,
      example: 'https://example.com/articles/42',
    }),
  );
}

/** The name of {@link JSON_VALUE_SCHEMA} among the document's schemas. */
export const JSON_VALUE_SCHEMA_NAME = 'JsonValue';

/**
 * Any JSON value, as the OpenAPI document states it: a schema without a type
 * (a generated client types it `unknown`), where `type: object` would allow
 * only objects and type them with no properties at all.
 */
export const JSON_VALUE_SCHEMA = {
  description: 'Any JSON value but null: an object, an array, a string, a number or a boolean.',
  example: { title: 'Hello', views: 3 },
} as const;

/**
 * Documents a property holding any JSON value: a reference to
 * {@link JSON_VALUE_SCHEMA} (which the document must list under its name),
 * wrapped so that the property keeps its own description and example.
 */
export function ApiJsonValue(options: ApiPropertyOptions = {}): PropertyDecorator {
  return ApiProperty({ allOf: [{ $ref: getSchemaPath(JSON_VALUE_SCHEMA_NAME) }], ...options });
}

/** Any JSON value except `null`; required. */
export function IsJsonData(): PropertyDecorator {
  return applyDecorators(
    IsDefined({ message: '$property is required and must not be null' }),
    Verbatim(),
    ApiJsonValue({
      description: 'Any JSON value except null: object, array, string, number or boolean.',
      example: { title: 'Hello', views: 3 },
    }),
  );
}

/** Optional JSON data (any value but `null`). */
export function IsOptionalJsonData(): PropertyDecorator {
  return applyDecorators(
    WhenPresent(),
    IsDefined({ message: '$property must not be null' }),
    Verbatim(),
    ApiJsonValue({
      required: false,
      description: 'Any JSON value except null. When present, the resource is cached as PUT would.',
      example: { title: 'Hello' },
    }),
  );
}

/** Optional time-to-live in whole seconds, 1 to 31536000 (a year). */
export function IsTtlSeconds(): PropertyDecorator {
  return applyDecorators(
    WhenPresent(),
    IsInt(),
    Min(1),
    Max(MAX_TTL_SECONDS),
    RejectsContainers(),
    ApiPropertyOptional({
      type: 'integer',
      description: 'Time-to-live in whole seconds; defaults to the server CACHE_TTL.',
      minimum: 1,
      maximum: MAX_TTL_SECONDS,
      example: 300,
    }),
  );
}

/** Optional list of tags: at most 32, each 1 to 128 characters. */
export function IsTags(): PropertyDecorator {
  return applyDecorators(
    WhenPresent(),
    IsArray(),
    ArrayMaxSize(MAX_TAGS),
    IsStringOfLength(1, MAX_TAG_LENGTH, { each: true }),
    RejectsContainers(),
    ApiPropertyOptional({
      description: `Labels for grouping entries: at most ${MAX_TAGS}, each 1 to ${MAX_TAG_LENGTH} characters.`,
      type: [String],
      example: ['articles', 'front-page'],
    }),
  );
}

/** Optional interaction type: lower-case letters, digits, `_`, `.` or `-`, 1 to 64 characters. */
export function IsInteractionType(): PropertyDecorator {
  return applyDecorators(
    WhenPresent(),
    IsString(),
    Matches(INTERACTION_TYPE_PATTERN, {
      message: '$property must match /^[a-z0-9_.-]{1,64}$/ (e.g. view, click, share)',
    }),
    RejectsContainers(),
    // The default is told, not declared: generators (openapi-typescript) make a
    // property with a `default` required, in request bodies too.
    ApiPropertyOptional({
      description: 'Kind of interaction; `view` when absent.',
      pattern: INTERACTION_TYPE_PATTERN.source,
      example: 'click',
    }),
  );
}

/** An optional integer query parameter within `[min, max]`. */
export function IsIntegerQuery(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    WhenPresent(),
    Type(() => Number),
    IsInt(),
    Min(min),
    Max(max),
  );
}

/** A list of 1 to `max` resource ids. */
export function IsResourceIds(max: number): PropertyDecorator {
  return applyDecorators(
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(max),
    IsStringOfLength(1, MAX_ID_LENGTH, { each: true }),
    HasNoControlCharacters({ each: true }),
    RejectsContainers(),
    ApiProperty({
      description: `1 to ${max} resource ids.`,
      type: [String],
      example: ['greeting', 'https://example.com/a'],
    }),
  );
}

/** A list of 1 to `max` nested DTOs of `type`, each validated, their JSON payloads kept verbatim. */
export function IsNestedList(
  type: () => new () => object,
  max: number,
  example: unknown[],
): PropertyDecorator {
  return applyDecorators(
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(max),
    // ValidateNested alone lets an item that is itself a list through (it
    // validates that list's elements instead): every item must be an object.
    IsObject({ each: true }),
    ValidateNested({ each: true }),
    Type(type),
    VerbatimNested(type),
    ApiProperty({ type: () => [type()], description: `1 to ${max} items.`, example }),
  );
}

/** An optional id prefix query: 1 to 1024 characters, no control characters. */
export function IsIdPrefix(): PropertyDecorator {
  return applyDecorators(
    WhenPresent(),
    IsStringOfLength(1, MAX_ID_LENGTH),
    HasNoControlCharacters(),
    ApiPropertyOptional({
      description: 'Only ids starting with this.',
      example: 'https://example.com/',
    }),
  );
}

/** An optional tag query: 1 to 128 characters. */
export function IsTagQuery(): PropertyDecorator {
  return applyDecorators(
    WhenPresent(),
    IsStringOfLength(1, MAX_TAG_LENGTH),
    ApiPropertyOptional({ description: 'Only entries with this tag.', example: 'articles' }),
  );
}

/** An optional `true` flag in a query string. */
export function IsTrueFlag(description: string): PropertyDecorator {
  return applyDecorators(
    WhenPresent(),
    IsIn(['true'], { message: '$property must be true when given' }),
    ApiPropertyOptional({ description, enum: ['true'] }),
  );
}
