/**
 * The order of storage keys: their UTF-8 bytes, as etcd and SQLite (BINARY
 * collation) compare them, which is code point order. JavaScript's `<`
 * compares UTF-16 code units instead; the two differ only where one key has
 * a character above U+FFFF (a surrogate pair, units 0xD800–0xDFFF) and the
 * other one in U+E000–U+FFFF at the same place. Object names may hold both
 * (RBAC and custom resource names are path segments), and a list whose
 * pages disagree with storage on order loses or repeats keys.
 */

/** Units from here on can sort differently by code point than by unit. */
const WIDE = /[\ud800-\uffff]/;

/** Negative, zero or positive as a sorts before, with or after b by UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  if (!WIDE.test(a) || !WIDE.test(b)) return a < b ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xPair = x >= 0xd800 && x <= 0xdfff;
    const yPair = y >= 0xd800 && y <= 0xdfff;
    // A surrogate stands for a code point above every BMP character.
    if (xPair !== yPair) return xPair ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Sorts items in place by key in storage order. The common case (no key
 * with a unit at or above 0xD800) sorts by `<`, which is then the same order.
 */
export function sortByKey<T>(items: T[], keyOf: (item: T) => string): T[] {
  const exact = items.some((item) => WIDE.test(keyOf(item)));
  const compare = exact ? compareKeys : (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return items.sort((a, b) => compare(keyOf(a), keyOf(b)));
}
