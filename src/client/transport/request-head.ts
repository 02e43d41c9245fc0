/**
 * HTTP/1.1 request heads as one string. Header text is checked once where
 * it is built (formatHeaders), so sending a request only concatenates.
 */

/** Characters a path must not hold unescaped (controls, space, DEL), as Node refuses them. */
const BAD_PATH = /[\u0000-\u0020\u007f]/;
/** CR, LF and NUL cannot appear in a header value (response splitting). */
const BAD_VALUE = /[\r\n\0]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Header lines ("Name: value\r\n" each) for TransportRequest.headers; throws
 * a TypeError for a name that is not a token or a value holding CR, LF or NUL.
 */
export function formatHeaders(headers: Record<string, string | undefined>): string {
  let out = "";
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (!TOKEN.test(name)) throw new TypeError(`Invalid header name "${name}"`);
    if (BAD_VALUE.test(value)) throw new TypeError(`Invalid character in header "${name}"`);
    out += `${name}: ${value}\r\n`;
  }
  return out;
}

/** The head of a request: request line, Host, the given lines, Content-Length when there is a body. */
export function requestHead(
  method: string,
  path: string,
  authority: string,
  headers: string | undefined,
  body: string | Buffer | undefined,
): string {
  if (BAD_PATH.test(path)) throw new TypeError("Request path contains unescaped characters");
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (headers) head += headers;
  if (body !== undefined) {
    const n = typeof body === "string" ? Buffer.byteLength(body) : body.length;
    head += `Content-Length: ${n}\r\n`;
  }
  return head + "\r\n";
}
