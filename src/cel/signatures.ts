/**
 * Overloads of the functions and operators of the Kubernetes CEL
 * environment, for the static checker: which argument types each accepts
 * and what it returns. Written one per line as
 * `[receiver.]name(arg, ...) result`, with type parameters A, K, V,
 * `num` for int|uint|double, `any` for anything. Functions absent from the
 * table are not checked (their result is dyn).
 */
import {
  BOOL,
  BYTES,
  DOUBLE,
  DURATION,
  DYN,
  FREE,
  INT,
  listOf,
  mapOf,
  NULL,
  opaqueOf,
  STRING,
  TIMESTAMP,
  TYPE,
  UINT,
  unifies,
  type T,
} from "./types.ts";

const NUMS = ["int", "uint", "double"];
const TIME_GETTERS = [
  "getFullYear",
  "getMonth",
  "getDate",
  "getDayOfMonth",
  "getDayOfWeek",
  "getDayOfYear",
  "getHours",
  "getMinutes",
  "getSeconds",
  "getMilliseconds",
];
const OPS = ["_<_", "_<=_", "_>_", "_>=_"];
const Q = "kubernetes.Quantity";
const URL = "kubernetes.URL";
const AUTHZ = "kubernetes.authorization";

const SOURCE: string[] = [
  ...["_==_", "_!=_"].map((op) => `${op}(A, A) bool`),
  ...OPS.flatMap((op) => [
    ...["bool", "string", "bytes", "timestamp", "duration"].map((t) => `${op}(${t}, ${t}) bool`),
    `${op}(num, num) bool`,
  ]),
  ...["int", "uint", "double", "string", "bytes"].map((t) => `_+_(${t}, ${t}) ${t}`),
  "_+_(list(A), list(A)) list(A)",
  "_+_(timestamp, duration) timestamp",
  "_+_(duration, timestamp) timestamp",
  "_+_(duration, duration) duration",
  ...NUMS.map((t) => `_-_(${t}, ${t}) ${t}`),
  "_-_(timestamp, timestamp) duration",
  "_-_(timestamp, duration) timestamp",
  "_-_(duration, duration) duration",
  ...["_*_", "_/_"].flatMap((op) => NUMS.map((t) => `${op}(${t}, ${t}) ${t}`)),
  "_%_(int, int) int",
  "_%_(uint, uint) uint",
  "-_(int) int",
  "-_(double) double",
  "-_(duration) duration",
  "!_(bool) bool",
  "_&&_(bool, bool) bool",
  "_||_(bool, bool) bool",
  "_?_:_(bool, A, A) A",
  "_[_](list(A), int) A",
  "_[_](map(K, V), K) V",
  "@in(A, list(A)) bool",
  "@in(K, map(K, V)) bool",
  ...["string", "bytes", "list(A)", "map(K, V)"].flatMap((t) => [
    `size(${t}) int`,
    `${t}.size() int`,
  ]),
  ...["contains", "startsWith", "endsWith", "matches"].map((f) => `string.${f}(string) bool`),
  "matches(string, string) bool",
  ...["int", "uint", "double", "string", "bool", "bytes"].map((t) => `${t}(any) ${t}`),
  "dyn(any) dyn",
  "type(any) type",
  "duration(string) duration",
  "timestamp(string) timestamp",
  "timestamp(int) timestamp",
  ...TIME_GETTERS.flatMap((g) => [`timestamp.${g}() int`, `timestamp.${g}(string) int`]),
  ...["getHours", "getMinutes", "getSeconds", "getMilliseconds"].map((g) => `duration.${g}() int`),
  // Kubernetes lists library
  "list(A).isSorted() bool",
  "list(A).sum() A",
  "list(A).min() A",
  "list(A).max() A",
  "list(A).indexOf(A) int",
  "list(A).lastIndexOf(A) int",
  // strings extension (version 2)
  "string.charAt(int) string",
  "string.indexOf(string) int",
  "string.indexOf(string, int) int",
  "string.lastIndexOf(string) int",
  "string.lastIndexOf(string, int) int",
  "string.lowerAscii() string",
  "string.upperAscii() string",
  "string.replace(string, string) string",
  "string.replace(string, string, int) string",
  "string.split(string) list(string)",
  "string.split(string, int) list(string)",
  "string.substring(int) string",
  "string.substring(int, int) string",
  "string.trim() string",
  "list(string).join() string",
  "list(string).join(string) string",
  "string.format(list(A)) string",
  "strings.quote(string) string",
  // regex
  "string.find(string) string",
  "string.findAll(string) list(string)",
  "string.findAll(string, int) list(string)",
  // url
  `url(string) ${URL}`,
  "isURL(string) bool",
  ...["getScheme", "getHost", "getHostname", "getPort", "getEscapedPath"].map(
    (g) => `${URL}.${g}() string`,
  ),
  `${URL}.getQuery() map(string, list(string))`,
  // quantity
  `quantity(string) ${Q}`,
  "isQuantity(string) bool",
  `${Q}.isInteger() bool`,
  `${Q}.asInteger() int`,
  `${Q}.asApproximateFloat() double`,
  `${Q}.sign() int`,
  `${Q}.add(${Q}) ${Q}`,
  `${Q}.add(int) ${Q}`,
  `${Q}.sub(${Q}) ${Q}`,
  `${Q}.sub(int) ${Q}`,
  `${Q}.isGreaterThan(${Q}) bool`,
  `${Q}.isLessThan(${Q}) bool`,
  `${Q}.compareTo(${Q}) int`,
  // sets
  ...["contains", "equivalent", "intersects"].map((f) => `sets.${f}(list(A), list(A)) bool`),
  // ip and cidr
  "ip(string) net.IP",
  "isIP(string) bool",
  "ip.isCanonical(string) bool",
  "net.IP.family() int",
  ...[
    "isUnspecified",
    "isLoopback",
    "isLinkLocalMulticast",
    "isLinkLocalUnicast",
    "isGlobalUnicast",
  ].map((f) => `net.IP.${f}() bool`),
  "string(net.IP) string",
  "cidr(string) net.CIDR",
  "isCIDR(string) bool",
  "net.CIDR.containsIP(net.IP) bool",
  "net.CIDR.containsIP(string) bool",
  "net.CIDR.containsCIDR(net.CIDR) bool",
  "net.CIDR.containsCIDR(string) bool",
  "net.CIDR.ip() net.IP",
  "net.CIDR.masked() net.CIDR",
  "net.CIDR.prefixLength() int",
  "string(net.CIDR) string",
  // format
  "format.named(string) optional_type(kubernetes.NamedFormat)",
  "kubernetes.NamedFormat.validate(string) optional_type(list(string))",
  // optional
  "optional.of(A) optional_type(A)",
  "optional.ofNonZeroValue(A) optional_type(A)",
  "optional.none() optional_type(dyn)",
  "optional_type(A).hasValue() bool",
  "optional_type(A).value() A",
  "optional_type(A).or(optional_type(A)) optional_type(A)",
  "optional_type(A).orValue(A) A",
  "optional.unwrap(list(optional_type(A))) list(A)",
  "list(optional_type(A)).unwrapOpt() list(A)",
  "list(A).first() optional_type(A)",
  "list(A).last() optional_type(A)",
  // authorizer
  `${AUTHZ}.Authorizer.path(string) ${AUTHZ}.PathCheck`,
  `${AUTHZ}.Authorizer.group(string) ${AUTHZ}.GroupCheck`,
  `${AUTHZ}.Authorizer.serviceAccount(string, string) ${AUTHZ}.Authorizer`,
  `${AUTHZ}.GroupCheck.resource(string) ${AUTHZ}.ResourceCheck`,
  ...["subresource", "namespace", "name", "fieldSelector", "labelSelector"].map(
    (f) => `${AUTHZ}.ResourceCheck.${f}(string) ${AUTHZ}.ResourceCheck`,
  ),
  `${AUTHZ}.PathCheck.check(string) ${AUTHZ}.Decision`,
  `${AUTHZ}.ResourceCheck.check(string) ${AUTHZ}.Decision`,
  `${AUTHZ}.Decision.allowed() bool`,
  `${AUTHZ}.Decision.errored() bool`,
  `${AUTHZ}.Decision.reason() string`,
  `${AUTHZ}.Decision.error() string`,
];

/** One overload: receiver pattern (methods), argument patterns, result pattern. */
interface Overload {
  recv?: string;
  args: string[];
  result: string;
}

/** Splits "a, list(b, c), d" at top-level commas. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of s) {
    if (c === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
      continue;
    }
    if (c === "(") depth++;
    if (c === ")") depth--;
    cur += c;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

function parseLine(line: string): [string, Overload] {
  let depth = 0;
  let space = 0;
  for (; space < line.length; space++) {
    if (line[space] === "(") depth++;
    if (line[space] === ")") depth--;
    if (line[space] === " " && depth === 0) break;
  }
  const result = line.slice(space + 1);
  const call = line.slice(0, space);
  let open = call.length - 1;
  for (; open >= 0; open--) {
    if (call[open] === ")") depth++;
    if (call[open] === "(" && --depth === 0) break;
  }
  const head = call.slice(0, open);
  const args = splitTop(call.slice(open + 1, -1));
  // The receiver is everything before the last '.' outside parentheses, unless the name is qualified.
  depth = 0;
  let dot = -1;
  for (let i = 0; i < head.length; i++) {
    if (head[i] === "(") depth++;
    else if (head[i] === ")") depth--;
    else if (head[i] === "." && depth === 0) dot = i;
  }
  const recv = dot < 0 ? undefined : head.slice(0, dot);
  const name = dot < 0 ? head : head.slice(dot + 1);
  const qualified = recv !== undefined && /^(optional|strings|sets|format|ip)$/.test(recv);
  if (qualified) return [`${recv}.${name}`, { args, result }];
  return [name, { recv, args, result }];
}

const TABLE = new Map<string, Overload[]>();
for (const line of SOURCE) {
  const [name, o] = parseLine(line);
  TABLE.set(name, [...(TABLE.get(name) ?? []), o]);
}

const SCALARS: Record<string, T> = {
  bool: BOOL,
  int: INT,
  uint: UINT,
  double: DOUBLE,
  string: STRING,
  bytes: BYTES,
  timestamp: TIMESTAMP,
  duration: DURATION,
  type: TYPE,
  null_type: NULL,
  dyn: DYN,
};

type Bindings = Map<string, T>;

/** Whether `actual` fits `pattern`, binding type parameters. */
function fits(pattern: string, actual: T, b: Bindings): boolean {
  if (pattern === "any") return true;
  if (/^[AKV]$/.test(pattern)) {
    const bound = b.get(pattern);
    if (bound && !unifies(bound, actual)) return false;
    // The first binding wins, as in cel-go (`c ? dyn(x) : true` is dyn); null yields.
    if (!bound || bound.k === "null" || bound === FREE) b.set(pattern, actual);
    return true;
  }
  if (actual.k === "dyn") return true;
  if (pattern === "num") return NUMS.includes(actual.k);
  const m = /^([\w.]+)\((.*)\)$/.exec(pattern);
  if (m) {
    const [, outer, inner] = m as unknown as [string, string, string];
    const parts = splitTop(inner);
    if (outer === "list") return actual.k === "list" && fits(parts[0]!, actual.elem, b);
    if (outer === "map")
      return actual.k === "map" && fits(parts[0]!, actual.key, b) && fits(parts[1]!, actual.val, b);
    return (
      actual.k === "opaque" &&
      actual.name === outer &&
      (actual.elem === undefined || fits(parts[0]!, actual.elem, b))
    );
  }
  if (pattern in SCALARS) return actual.k === pattern || actual.k === "null";
  return actual.k === "opaque" && actual.name === pattern;
}

/** The type a result pattern denotes under `b`. */
function build(pattern: string, b: Bindings): T {
  if (/^[AKV]$/.test(pattern)) return b.get(pattern) ?? DYN;
  if (pattern in SCALARS) return SCALARS[pattern]!;
  const m = /^([\w.]+)\((.*)\)$/.exec(pattern);
  if (m) {
    const parts = splitTop(m[2]!);
    if (m[1] === "list") return listOf(build(parts[0]!, b));
    if (m[1] === "map") return mapOf(build(parts[0]!, b), build(parts[1]!, b));
    return opaqueOf(m[1]!, build(parts[0]!, b));
  }
  return opaqueOf(pattern);
}

/** What resolving a call found: its result type, or no overload fits. */
export type Resolution = { ok: true; t: T } | { ok: false };

/**
 * Resolves `name` (qualified for namespaced functions, e.g. "sets.contains")
 * for a receiver type (methods) and argument types; undefined when the
 * function is not in the table.
 */
export function resolveCall(name: string, recv: T | undefined, args: T[]): Resolution | undefined {
  const overloads = TABLE.get(name);
  if (!overloads) return undefined;
  const results: T[] = [];
  for (const o of overloads) {
    if ((o.recv === undefined) !== (recv === undefined) || o.args.length !== args.length) continue;
    const b: Bindings = new Map();
    if (o.recv !== undefined && !fits(o.recv, recv!, b)) continue;
    if (!o.args.every((p, i) => fits(p, args[i]!, b))) continue;
    results.push(build(o.result, b));
  }
  if (results.length === 0) return { ok: false };
  const first = results[0]!;
  const same = results.every((r) => r.k === first.k && unifies(r, first));
  return { ok: true, t: same ? first : DYN };
}

/** Whether the table knows `name` as a method (receiver-style) function. */
export function isMethod(name: string): boolean {
  return (TABLE.get(name) ?? []).some((o) => o.recv !== undefined);
}
