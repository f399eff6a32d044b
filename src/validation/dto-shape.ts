import { getMetadataStorage } from 'class-validator';
import 'reflect-metadata';

const REJECTS_CONTAINERS = Symbol('rejectsContainers');

/**
 * Marks a property whose rules fail for any array or object, whatever it
 * holds, in its place or (for a list) among its items: a string, a number.
 * The global pipe validates an empty one in its place, which words the same
 * errors, so a huge one costs no more than a small one.
 */
export function RejectsContainers(): PropertyDecorator {
  return (target, property) => {
    const owner = target.constructor;
    const properties = (Reflect.getMetadata(REJECTS_CONTAINERS, owner) as PropertyKey[]) ?? [];
    Reflect.defineMetadata(REJECTS_CONTAINERS, [...properties, property], owner);
  };
}

/** What the validation rules of a DTO class declare, read once per class. */
export interface DtoShape {
  /** Every property with a rule: any other is unknown, and refused. */
  properties: ReadonlySet<string>;
  /** The most items of each list property (`@ArrayMaxSize()`). */
  maxItems: ReadonlyMap<string, number>;
  /** The properties marked {@link RejectsContainers}. */
  rejectsContainers: ReadonlySet<PropertyKey>;
}

const shapes = new WeakMap<object, DtoShape>();

/** The {@link DtoShape} of `type`, from class-validator's metadata and this file's. */
export function shapeOf(type: abstract new (...args: never[]) => unknown): DtoShape {
  let shape = shapes.get(type);
  if (!shape) {
    const rules = getMetadataStorage().getTargetValidationMetadatas(type, '', true, false);
    const maxItems = new Map<string, number>();
    for (const rule of rules) {
      if (rule.name === 'arrayMaxSize')
        maxItems.set(rule.propertyName, Number(rule.constraints[0]));
    }
    shape = {
      properties: new Set(rules.map((rule) => rule.propertyName)),
      maxItems,
      rejectsContainers: new Set(
        (Reflect.getMetadata(REJECTS_CONTAINERS, type) as PropertyKey[] | undefined) ?? [],
      ),
    };
    shapes.set(type, shape);
  }
  return shape;
}
