/**
 * Per-call pieces of the static cost estimate (typecheck.ts walks the
 * expression and adds them up), after cel-go's estimator.
 */
import { sizeOf, type T } from "./types.ts";

/** Functions whose cost grows with their string or list receiver/argument. */
const LINEAR = new Set([
  "startsWith",
  "endsWith",
  "matches",
  "find",
  "findAll",
  "lowerAscii",
  "upperAscii",
  "replace",
  "split",
  "trim",
  "indexOf",
  "lastIndexOf",
  "join",
  "substring",
  "isSorted",
  "sum",
  "min",
  "max",
  "@in",
  "sets.contains",
  "sets.equivalent",
  "sets.intersects",
]);

/** cel-go's estimated costs of building a list or map literal. */
export const LIST_CREATE_COST = 10;
export const MAP_CREATE_COST = 30;
const TRAVERSAL = 0.1;
const SIZED = new Set(["string", "bytes", "list", "map"]);
const TIMES = new Set(["timestamp", "duration"]);

/**
 * The estimated cost of a call itself, beyond its arguments, as cel-go's
 * estimator: logical operators are free; equality and concatenation of
 * strings, bytes, lists and maps and the string/list library functions cost
 * 0.1 per character or element; everything else 1.
 */
export function ownCost(fn: string, target: T | undefined, args: T[]): number {
  const sizes = [target, ...args].filter((x) => x !== undefined).map((x) => sizeOf(x!));
  switch (fn) {
    case "_&&_":
    case "_||_":
    case "_?_:_":
      return 0;
    case "_==_":
    case "_!=_":
      if (args.some((a) => SIZED.has(a.k)))
        return Math.ceil(Math.min(...args.map(sizeOf)) * TRAVERSAL);
      // Timestamps and durations read from fields are sized by their longest JSON form.
      if (args.some((a) => TIMES.has(a.k) && "max" in a && a.max !== undefined))
        return Math.ceil(
          Math.min(...args.map((a) => ("max" in a && a.max !== undefined ? a.max : Infinity))) *
            TRAVERSAL,
        );
      return args.some((a) => "field" in a && a.field) ? 0 : 1;
    case "matches":
    case "find":
    case "findAll": {
      // Receiver traversal (one more character, so an empty string still costs) times
      // the pattern's length at 0.25 (upstream's regex estimate).
      const text = target ?? args[0]!;
      const pattern = target ? args[0]! : args[1]!;
      return Math.ceil((sizeOf(text) + 1) * TRAVERSAL) * Math.ceil(sizeOf(pattern) * 0.25);
    }
    case "_+_":
      return args.some((a) => SIZED.has(a.k))
        ? Math.ceil((sizeOf(args[0]!) + sizeOf(args[1]!)) * TRAVERSAL)
        : 1;
    case "contains":
      // Traversal of the text times traversal of the substring (cel-go's estimate).
      if (target && args.length === 1)
        return Math.ceil(sizeOf(target) * TRAVERSAL) * Math.ceil(sizeOf(args[0]!) * TRAVERSAL);
      return Math.ceil(Math.max(0, ...sizes) * TRAVERSAL);
    case "startsWith":
    case "endsWith":
      return Math.ceil(sizeOf(args[0]!) * TRAVERSAL);
    case "replace":
    case "split":
      // Traversal plus building the result (upstream's library estimates).
      if (target?.k === "string") return Math.ceil(sizeOf(target) * 2 * TRAVERSAL);
      break;
    case "join":
      if (target?.k === "list") {
        const n = target.max;
        const separators = args[0] ? sizeOf(args[0]) * Math.max(0, n - 1) : 0;
        return Math.ceil((n * sizeOf(target.elem) + separators) * TRAVERSAL);
      }
      break;
    case "isSorted":
    case "sum":
    case "min":
    case "max":
    case "indexOf":
    case "lastIndexOf":
      // 1 per element compared, plus traversing string or bytes elements.
      if (target?.k === "list") {
        const e = target.elem;
        const perElement =
          e.k === "string" || e.k === "bytes" ? 1 + Math.ceil(sizeOf(e) * TRAVERSAL) : 1;
        return target.max * perElement;
      }
      break;
  }
  if (LINEAR.has(fn)) return Math.ceil(Math.max(0, ...sizes) * TRAVERSAL);
  return 1;
}
