/**
 * A request's target (`/api/v1/pods?limit=5`) split into its path and
 * query, as WHATWG URL parsing against an https base gives them. The common
 * target (a path of plain characters, no dot segments, no percent escapes)
 * is split by hand; anything else goes through `new URL`, which percent-
 * encodes, resolves dot segments and rejects what cannot be parsed.
 */

export interface RequestTarget {
  /** As URL.pathname: still percent-encoded. */
  pathname: string;
  /** As URL.search: "" or "?" and the query. */
  search: string;
  /** The query's parameters. */
  query: URLSearchParams;
  /** The pathname, percent-decoded (the pathname itself when it does not decode). */
  path: string;
}

/** Characters URL parsing keeps as they are in a path (dot segments are checked apart). */
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
/** ... and in the query ("%" too: the parameters decode it as URL.searchParams does). */
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/** Parses a request target; throws TypeError when it is not a path or does not parse. */
export function parseRequestTarget(raw: string): RequestTarget {
  if (!raw.startsWith("/")) throw new TypeError("request target must be a path");
  const q = raw.indexOf("?");
  const pathname = q < 0 ? raw : raw.slice(0, q);
  const rawQuery = q < 0 ? "" : raw.slice(q + 1);
  if (PLAIN_PATH.test(pathname) && !DOT_SEGMENT.test(pathname) && PLAIN_QUERY.test(rawQuery)) {
    return {
      pathname,
      search: rawQuery === "" ? "" : `?${rawQuery}`,
      query: new URLSearchParams(rawQuery),
      path: pathname,
    };
  }
  // Prefixing keeps paths like "//x" from parsing as protocol-relative URLs.
  const url = new URL(`https://apiserver.invalid${raw}`);
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    path = url.pathname;
  }
  return { pathname: url.pathname, search: url.search, query: url.searchParams, path };
}
