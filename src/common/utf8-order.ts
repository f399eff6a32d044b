/**
 * Compares strings in the byte order of their UTF-8 encodings (that is, by
 * code point): the order Redis sorts members in, so that both stores list
 * alike. JavaScript's `<` compares UTF-16 code units, which disagrees for
 * characters above U+FFFF against those in U+E000 to U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (U+D800–DFFF, parts of code points above U+FFFF) after U+E000–U+FFFF. */
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/**
 * The `limit` smallest items by `compare`, sorted, in one pass: O(n log limit)
 * at worst and close to O(n) when most items fall beyond the cut.
 */
export function takeSmallest<T>(
  items: Iterable<T>,
  limit: number,
  compare: (a: T, b: T) => number,
): T[] {
  const best: T[] = [];
  if (limit <= 0) return best;
  for (const item of items) {
    if (best.length === limit && compare(item, best[limit - 1]) >= 0) continue;
    let low = 0;
    let high = best.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(best[middle], item) <= 0) low = middle + 1;
      else high = middle;
    }
    best.splice(low, 0, item);
    if (best.length > limit) best.pop();
  }
  return best;
}
