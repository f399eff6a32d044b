import { ValidationPipe } from '@nestjs/common';
import type { ArgumentMetadata } from '@nestjs/common';
import 'reflect-metadata';

const VERBATIM_PROPERTIES = Symbol('verbatimProperties');

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

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const verbatim = metadata.metatype
      ? (Reflect.getMetadata(VERBATIM_PROPERTIES, metadata.metatype) as PropertyKey[] | undefined)
      : undefined;
    if (!verbatim || !isPlainRecord(value)) return super.transform(value, metadata);

    const standIn: Record<PropertyKey, unknown> = { ...value };
    for (const property of verbatim) {
      if (isObject(value[property])) standIn[property] = Array.isArray(value[property]) ? [] : {};
    }
    const result: unknown = await super.transform(standIn, metadata);
    if (isObject(result)) {
      for (const property of verbatim) {
        if (Object.hasOwn(value, property)) result[property] = value[property];
      }
    }
    return result;
  }
}

function isObject(value: unknown): value is Record<PropertyKey, unknown> {
  return typeof value === 'object' && value !== null;
}

function isPlainRecord(value: unknown): value is Record<PropertyKey, unknown> {
  return isObject(value) && !Array.isArray(value);
}
