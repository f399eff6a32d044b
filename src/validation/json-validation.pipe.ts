import { BadRequestException, HttpException, ValidationPipe } from '@nestjs/common';
import type { ArgumentMetadata, Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import type { ValidationError } from 'class-validator';
import 'reflect-metadata';
import { shapeOf } from './dto-shape';
import { MAX_ERROR_MESSAGE_LENGTH, MAX_ERROR_MESSAGES, MAX_NESTING_DEPTH } from './limits';
import { precheckedParams } from './prechecked-params';
import { ValidatedParams } from './validated-params';

const VERBATIM_PROPERTIES = Symbol('verbatimProperties');
const NESTED_PROPERTIES = Symbol('nestedProperties');

type Constructor = abstract new (...args: never[]) => unknown;

/**
 * Marks a DTO property whose value is arbitrary client JSON, to be handed to
 * the controller exactly as parsed. Without it, `ValidationPipe` deletes keys
 * named `__proto__`, `prototype` and `constructor` at every depth, and
 * class-transformer rebuilds the value key by key: a cache must give back what
 * it was given. Such values are only stored and serialised, never merged into
 * other objects, so they cannot pollute a prototype.
 */
export function Verbatim(): PropertyDecorator {
  return (target, property) => {
    const owner = target.constructor;
    const properties = (Reflect.getMetadata(VERBATIM_PROPERTIES, owner) as PropertyKey[]) ?? [];
    Reflect.defineMetadata(VERBATIM_PROPERTIES, [...properties, property], owner);
  };
}

/** Marks a property holding DTOs (one or an array) whose own verbatim properties must be kept. */
export function VerbatimNested(type: () => Constructor): PropertyDecorator {
  return (target, property) => {
    const owner = target.constructor;
    const nested =
      (Reflect.getMetadata(NESTED_PROPERTIES, owner) as Map<PropertyKey, () => Constructor>) ??
      new Map();
    Reflect.defineMetadata(NESTED_PROPERTIES, new Map(nested).set(property, type), owner);
  };
}

/** The last message of a refusal that lists only the first {@link MAX_ERROR_MESSAGES}. */
export const OMITTED_MESSAGE = 'Further validation errors were omitted';

/**
 * Lapse's one global pipe: whitelist, forbid unknown fields, transform. The
 * {@link Verbatim} properties are validated as a stand-in of the same kind
 * (their rules only look at presence and null) and then put back untouched,
 * which also spares a deep copy of every payload.
 *
 * A body costs what its DTO allows, not what the client sent: a list longer
 * than its maximum, or more than {@link MAX_ERROR_MESSAGES} unknown
 * properties, is refused before any item is looked at; arrays and objects
 * where no rule accepts one (unknown properties, strings, numbers) are
 * validated as empty stand-ins, which fail with the same messages. A refusal
 * lists at most {@link MAX_ERROR_MESSAGES} messages of at most
 * {@link MAX_ERROR_MESSAGE_LENGTH} characters.
 */
export class JsonValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // Errors past this many characters of messages are never visited.
      maxErrorMessagesLength: MAX_ERROR_MESSAGES * MAX_ERROR_MESSAGE_LENGTH,
    });
  }

  /** Path parameters already validated, so a hot id is validated once. */
  private readonly validParams = new ValidatedParams();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'param' && metadata.metatype && isPlainRecord(value)) {
      return this.transformParams(value, metadata, metadata.metatype);
    }
    const { metatype } = metadata;
    const isBody = metadata.type === 'body';
    const dto =
      metatype && this.toValidate(metadata) && (isBody || hasVerbatim(metatype))
        ? metatype
        : undefined;
    // Counts first: an over-long list is refused before its items are walked.
    const candidate = dto ? standIn(value, dto, '', []) : value;
    if (isBody && nestingDepth(value) > MAX_NESTING_DEPTH) {
      throw new BadRequestException([`body is nested more than ${MAX_NESTING_DEPTH} levels deep`]);
    }
    if (!dto) return super.transform(value, metadata);
    const result: unknown = await super.transform(candidate, metadata);
    restore(result, value, dto);
    return result;
  }

  /** Nest's refusal, cut to the first messages, each of a bounded length. */
  override createExceptionFactory(): (errors?: ValidationError[]) => unknown {
    const nests = super.createExceptionFactory();
    return (errors) => {
      const refusal = nests(errors);
      if (!(refusal instanceof HttpException)) return refusal;
      const { message } = refusal.getResponse() as { message?: unknown };
      return Array.isArray(message) ? badRequest(message.map(String)) : refusal;
    };
  }

  private transformParams(
    value: Record<PropertyKey, unknown>,
    metadata: ArgumentMetadata,
    metatype: Type<unknown>,
  ): Promise<unknown> {
    const prechecked = precheckedParams(metatype as Type<object>, value);
    if (prechecked !== undefined) return Promise.resolve(prechecked);
    return this.validParams.get(metatype, value, () =>
      this.validateParams(value, metadata, metatype),
    );
  }

  /**
   * Ids never seen before are common (a cache keyed by URL sees many), and
   * ValidationPipe's preparation of a value (nil and binary values, sparse
   * arrays, prototype keys) costs more than the validation itself. Path
   * parameters are a flat record of strings, which none of it changes, so
   * their DTO is built and validated directly, as ValidationPipe would with
   * nothing to prepare. Invalid ones go through ValidationPipe, which words
   * the error.
   */
  private async validateParams(
    value: Record<PropertyKey, unknown>,
    metadata: ArgumentMetadata,
    metatype: Type<unknown>,
  ): Promise<object> {
    if (isStringRecord(value)) {
      const entity = plainToInstance(metatype, value, this.transformOptions) as object;
      const errors = await this.validate(entity, this.validatorOptions);
      if (errors.length === 0) return entity;
    }
    return (await super.transform(value, metadata)) as object;
  }
}

/** Keys ValidationPipe strips from a value before it is validated. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether `value` holds only strings, under keys ValidationPipe leaves alone. */
function isStringRecord(value: Record<PropertyKey, unknown>): value is Record<string, string> {
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== 'string' || PROTOTYPE_KEYS.has(key) || typeof value[key] !== 'string') {
      return false;
    }
  }
  return true;
}

/** How deeply arrays and objects nest in `value`, measured without recursion. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop() as [unknown, number];
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_NESTING_DEPTH) return deepest;
    // Only arrays and objects go on the stack: a list of a million numbers costs no allocation.
    for (const child of Object.values(item)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return deepest;
}

function hasVerbatim(metatype: Constructor): boolean {
  return (
    Reflect.hasMetadata(VERBATIM_PROPERTIES, metatype) ||
    Reflect.hasMetadata(NESTED_PROPERTIES, metatype)
  );
}

function verbatimOf(metatype: Constructor): PropertyKey[] {
  return (Reflect.getMetadata(VERBATIM_PROPERTIES, metatype) as PropertyKey[]) ?? [];
}

function nestedOf(metatype: Constructor): Map<PropertyKey, () => Constructor> {
  return (
    (Reflect.getMetadata(NESTED_PROPERTIES, metatype) as Map<PropertyKey, () => Constructor>) ??
    new Map()
  );
}

/**
 * A 400 listing the first {@link MAX_ERROR_MESSAGES} of `messages`, each cut
 * to {@link MAX_ERROR_MESSAGE_LENGTH} characters, then {@link OMITTED_MESSAGE}
 * when some were left out.
 */
export function badRequest(messages: readonly string[]): BadRequestException {
  const kept = messages
    .filter((message) => message !== OMITTED_MESSAGE)
    .slice(0, MAX_ERROR_MESSAGES)
    .map((message) =>
      message.length > MAX_ERROR_MESSAGE_LENGTH
        ? `${message.slice(0, MAX_ERROR_MESSAGE_LENGTH - 1)}…`
        : message,
    );
  return new BadRequestException(kept.length < messages.length ? [...kept, OMITTED_MESSAGE] : kept);
}

/** An empty array or object in place of `value`, when it is one. */
function emptied(value: unknown): unknown {
  if (!isObject(value)) return value;
  return Array.isArray(value) ? [] : {};
}

/**
 * A shallow copy of `value` for ValidationPipe to validate: verbatim values,
 * and arrays or objects no rule accepts, replaced by empty ones of the same
 * kind. Refuses at once a list longer than its maximum, or more than
 * {@link MAX_ERROR_MESSAGES} unknown properties in all (`unknown` gathers
 * them across items), before any item is looked at. `path` prefixes the
 * property names in messages, as ValidationPipe words them (`items.3.`).
 */
function standIn(value: unknown, metatype: Constructor, path: string, unknown: string[]): unknown {
  if (!isObject(value)) return value;
  const shape = shapeOf(metatype);
  for (const [property, max] of shape.maxItems) {
    const list = Array.isArray(value) ? undefined : value[property];
    if (Array.isArray(list) && list.length > max) {
      throw badRequest([`${path}${property} must contain no more than ${max} elements`]);
    }
  }
  // An array where a DTO is expected: each index is an unknown property.
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      unknown.push(`${path}property ${index} should not exist`);
      if (unknown.length > MAX_ERROR_MESSAGES) throw badRequest(unknown);
    }
    return value.map(emptied);
  }
  for (const key in value) {
    // ValidationPipe strips these keys (see PROTOTYPE_KEYS) instead of refusing them.
    if (shape.properties.has(key) || PROTOTYPE_KEYS.has(key)) continue;
    unknown.push(`${path}property ${key} should not exist`);
    if (unknown.length > MAX_ERROR_MESSAGES) throw badRequest(unknown);
  }
  const copy: Record<PropertyKey, unknown> = { ...value };
  const verbatim = verbatimOf(metatype);
  const nested = nestedOf(metatype);
  for (const key of Object.keys(copy)) {
    const original = copy[key];
    if (!isObject(original)) continue;
    const type = nested.get(key)?.();
    if (type) {
      copy[key] = Array.isArray(original)
        ? original.map((item, index) =>
            isPlainRecord(item)
              ? standIn(item, type, `${path}${key}.${index}.`, unknown)
              : emptied(item),
          )
        : standIn(original, type, `${path}${key}.`, unknown);
    } else if (!shape.properties.has(key) || verbatim.includes(key)) {
      copy[key] = emptied(original);
    } else if (shape.rejectsContainers.has(key)) {
      copy[key] =
        Array.isArray(original) && shape.maxItems.has(key)
          ? original.map(emptied)
          : emptied(original);
    }
  }
  return copy;
}

/** Puts the original verbatim values back into the validated result. */
function restore(result: unknown, original: unknown, metatype: Constructor): void {
  if (!isObject(result) || !isPlainRecord(original)) return;
  for (const property of verbatimOf(metatype)) {
    if (Object.hasOwn(original, property)) result[property] = original[property];
  }
  for (const [property, type] of nestedOf(metatype)) {
    const [into, from] = [result[property], original[property]];
    if (Array.isArray(into) && Array.isArray(from)) {
      into.forEach((item, index) => restore(item, from[index], type()));
    } else {
      restore(into, from, type());
    }
  }
}

function isObject(value: unknown): value is Record<PropertyKey, unknown> {
  return typeof value === 'object' && value !== null;
}

function isPlainRecord(value: unknown): value is Record<PropertyKey, unknown> {
  return isObject(value) && !Array.isArray(value);
}
