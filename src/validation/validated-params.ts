import { LRUCache } from 'lru-cache';

/** How many validated parameter sets are kept per DTO class. */
const MAX_KEPT_PER_TYPE = 10_000;

/**
 * Path parameters that passed validation, per DTO class, by value. A hot id
 * is read again and again, and validating it (class-transformer and
 * class-validator, a few percent of a GET) gives the same answer each time.
 */
export class ValidatedParams {
  private readonly byType = new WeakMap<object, LRUCache<string, object>>();

  constructor(private readonly maxPerType = MAX_KEPT_PER_TYPE) {}

  /**
   * The validated DTO for `params` of `type`: the one kept from an earlier
   * call, or the one `validate` makes (it throws for invalid parameters,
   * which are never kept).
   */
  async get(
    type: object,
    params: Record<PropertyKey, unknown>,
    validate: () => Promise<object>,
  ): Promise<object> {
    let kept = this.byType.get(type);
    if (!kept) {
      // Least recently used out first (see `keptFormat` in common/dates.ts for why not a Map).
      kept = new LRUCache<string, object>({ max: this.maxPerType });
      this.byType.set(type, kept);
    }
    const key = JSON.stringify(params);
    const known = kept.get(key);
    if (known !== undefined) return known;
    const result = await validate();
    // Shared by every request with the same parameters: nobody may change it.
    kept.set(key, Object.freeze(result));
    return result;
  }
}
