import { BadRequestException, ValidationPipe } from '@nestjs/common';
import type { ArgumentMetadata, Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import 'reflect-metadata';
import { MAX_NESTING_DEPTH } from './limits';
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

/**
 * Lapse's one global pipe: whitelist, forbid unknown fields, transform. The
 * {@link Verbatim} properties are validated as a stand-in of the same kind
 * (their rules only look at presence and null) and then put back untouched,
 * which also spares a deep copy of every payload.
 */
export class JsonValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true });
  }

  /** Path parameters already validated, so a hot id is validated once. */
  private readonly validParams = new ValidatedParams();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'param' && metadata.metatype && isPlainRecord(value)) {
      return this.transformParams(value, metadata, metadata.metatype);
    }
    if (metadata.type === 'body' && nestingDepth(value) > MAX_NESTING_DEPTH) {
      throw new BadRequestException([`body is nested more than ${MAX_NESTING_DEPTH} levels deep`]);
    }
    const { metatype } = metadata;
    if (!metatype || !hasVerbatim(metatype)) return super.transform(value, metadata);
    const result: unknown = await super.transform(standIn(value, metatype), metadata);
    restore(result, value, metatype);
    return result;
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
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
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

/** A shallow copy of `value` with verbatim objects replaced by empty ones of the same kind. */
function standIn(value: unknown, metatype: Constructor): unknown {
  if (!isPlainRecord(value)) return value;
  const copy: Record<PropertyKey, unknown> = { ...value };
  for (const property of verbatimOf(metatype)) {
    const original = value[property];
    if (isObject(original)) copy[property] = Array.isArray(original) ? [] : {};
  }
  for (const [property, type] of nestedOf(metatype)) {
    const original = value[property];
    copy[property] = Array.isArray(original)
      ? original.map((item) => standIn(item, type()))
      : standIn(original, type());
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
