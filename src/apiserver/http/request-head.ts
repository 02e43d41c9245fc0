/**
 * A strict parser for the common HTTP/1.1 request head: a known method, an
 * origin-form target of visible ASCII, "HTTP/1.1", CRLF line ends, token
 * header names and values without control characters, a Host header, at most
 * one Content-Length and no Transfer-Encoding, Expect or Upgrade. Anything
 * else is "unusual" and left to Node's HTTP server, which answers it as it
 * always did (malformed heads included: 400 and close). Header names are
 * lower-cased and repeated ones combined as Node's IncomingMessage does.
 *
 * The target and the header values are decoded from the bytes one by one, not
 * sliced from one string of the head: V8 keeps a slice's whole parent alive,
 * so a value kept for long (a field manager taken from User-Agent, a token in
 * a cache key) would pin the request's whole head.
 */

/** A parsed request head. */
export interface RequestHead {
  method: string;
  /** The request target as sent (a path with an optional query). */
  url: string;
  headers: Record<string, string | string[]>;
  /** Lower-cased names and values in order, alternating (for headersDistinct). */
  raw: string[];
  /** Body length in bytes (0 without Content-Length). */
  contentLength: number;
  /** Whether the client asked to close the connection after the answer. */
  close: boolean;
  /** Bytes of the head, CRLFCRLF included. */
  size: number;
}

/** Largest head served here; Node answers longer ones (431). */
export const MAX_HEAD_BYTES = 16 * 1024;

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Headers whose repeats Node drops (the first one wins). */
const FIRST_WINS = new Set([
  "content-type",
  "content-length",
  "user-agent",
  "referer",
  "host",
  "authorization",
  "proxy-authorization",
  "if-modified-since",
  "if-unmodified-since",
  "from",
  "location",
  "max-forwards",
  "retry-after",
  "etag",
  "last-modified",
  "server",
  "age",
  "expires",
]);
/** Headers whose presence hands the request to Node (other framing or protocol switches). */
const UNUSUAL = new Set(["transfer-encoding", "expect", "upgrade", "te", "trailer"]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const TARGET = /^\/[\x21-\x7e]*$/;
/** Control characters other than tab, anywhere in a header line. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
const DIGITS = /^[0-9]{1,15}$/;

/**
 * Parses the head at the start of `buf` (ending at `end`, the index of its
 * CRLFCRLF). Returns undefined when the head is not of the common shape.
 */
export function parseRequestHead(buf: Buffer, end: number): RequestHead | undefined {
  const text = buf.toString("latin1", 0, end);
  const lineEnd = text.indexOf("\r\n");
  const requestLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const sp1 = requestLine.indexOf(" ");
  const sp2 = requestLine.indexOf(" ", sp1 + 1);
  if (sp1 < 0 || sp2 < 0) return undefined;
  const method = requestLine.slice(0, sp1);
  if (!METHODS.has(method) || requestLine.slice(sp2 + 1) !== "HTTP/1.1") return undefined;
  const url = buf.toString("latin1", sp1 + 1, sp2);
  if (!TARGET.test(url)) return undefined;
  const headers: Record<string, string | string[]> = {};
  const raw: string[] = [];
  let pos = lineEnd < 0 ? text.length : lineEnd + 2;
  while (pos < text.length) {
    let next = text.indexOf("\r\n", pos);
    if (next < 0) next = text.length;
    const line = text.slice(pos, next);
    const colon = line.indexOf(":");
    if (colon <= 0 || CONTROL.test(line)) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    // `__proto__` cannot be an own key of a plain object: Node's server takes such heads.
    if (!TOKEN.test(name) || UNUSUAL.has(name) || name === "__proto__") return undefined;
    // The value without the spaces and tabs around it.
    let start = pos + colon + 1;
    let stop = next;
    while (start < stop && isBlank(text.charCodeAt(start))) start++;
    while (stop > start && isBlank(text.charCodeAt(stop - 1))) stop--;
    pos = next + 2;
    const value = buf.toString("latin1", start, stop);
    raw.push(name, value);
    const seen = Object.hasOwn(headers, name) ? headers[name] : undefined;
    if (seen === undefined) {
      headers[name] = name === "set-cookie" ? [value] : value;
      continue;
    }
    if (name === "content-length") return undefined;
    if (FIRST_WINS.has(name)) continue;
    if (name === "set-cookie") (seen as string[]).push(value);
    else headers[name] = `${seen as string}${name === "cookie" ? "; " : ", "}${value}`;
  }
  if (headers.host === undefined) return undefined;
  let contentLength = 0;
  const declared = headers["content-length"];
  if (declared !== undefined) {
    if (!DIGITS.test(declared as string)) return undefined;
    contentLength = Number(declared);
  }
  const connection = headers.connection;
  let close = false;
  if (connection !== undefined) {
    const tokens = (connection as string).toLowerCase();
    if (/\bupgrade\b/.test(tokens)) return undefined;
    close = /\bclose\b/.test(tokens);
  }
  return { method, url, headers, raw, contentLength, close, size: end + 4 };
}

/** Space or horizontal tab: what surrounds a header value. */
function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
