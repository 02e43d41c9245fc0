import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRequestTarget } from "./request-target.ts";

/** What the server did before the fast path: URL parsing against an https base. */
function viaUrl(raw: string) {
  const url = new URL(`https://apiserver.invalid${raw}`);
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    path = url.pathname;
  }
  return { pathname: url.pathname, search: url.search, query: [...url.searchParams], path };
}

test("parseRequestTarget: the same path, search and query as URL parsing", () => {
  const targets = [
    "/",
    "/api/v1/namespaces/default/configmaps",
    "/api/v1/namespaces/default/configmaps/",
    "/api/v1/namespaces/default/pods/web-1.x/status",
    "/apis/apps/v1/deployments?limit=500&continue=eyJ2IjoxfQ%3D%3D",
    "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1,status.phase!=Running&labelSelector=a+in+(x,y)",
    "/api/v1/pods?",
    "/api/v1/pods?a=%&b=%zz&c=%41&d=x+y&e",
    "/api/v1/pods?q='quoted'&r=a?b/c",
    "//api/v1//pods",
    "/api/v1/namespaces/default/configmaps/a:b@c",
    // Not plain: through URL parsing.
    "/api/v1/../v1/pods",
    "/api/v1/./pods/.",
    "/api/v1/%2e%2e/pods",
    "/api/v1/namespaces/%64efault/pods",
    "/api/v1/namespaces/bad%zz/pods",
    "/api/v1/pods/a b",
    "/api/v1/pods/\\x",
    "/api/v1/pods/ü?x=é",
    '/api/v1/pods?x=a b&y=<>"`',
    "/api/v1/pods#frag?x=1",
    "/api/v1/pods?x=1#frag",
    "/api/v1/pods/{x}|^",
  ];
  for (const raw of targets) {
    const got = parseRequestTarget(raw);
    assert.deepEqual(
      { pathname: got.pathname, search: got.search, query: [...got.query], path: got.path },
      viaUrl(raw),
      raw,
    );
  }
});

test("parseRequestTarget: a target that is not a path is refused", () => {
  for (const raw of ["*", "http://x/api", "api/v1", ""]) {
    assert.throws(() => parseRequestTarget(raw), TypeError, raw);
  }
});
