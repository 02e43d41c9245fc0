import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../api/status.ts";
import { decodeObjectBody, MAX_JSON_DEPTH, yamlNestingBound } from "./request-body.ts";

test("yamlNestingBound bounds a YAML text's nesting from above", () => {
  const cases: [string, number, number][] = [
    // text, at least, at most
    ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n", 2, 2],
    ["a: [[[1]]]\n", 3, 3],
    ["a: [\n  [\n    [1]]]\n", 6, 7],
    [`a: ${"[".repeat(5000)}${"]".repeat(5000)}`, 5000, 5000],
    [`${"- ".repeat(3000)}x\n`, 3000, 6000],
    ['a: \'[[[[\' # [[[[\nb: "{{{\\"{{"\n', 0, 0],
    ["a: don't\nb: [[1]]\n", 2, 2],
    ["a: x#[[[\n", 3, 3],
  ];
  for (const [text, atLeast, atMost] of cases) {
    const bound = yamlNestingBound(text);
    assert.ok(
      bound >= atLeast && bound <= atMost,
      `${JSON.stringify(text.slice(0, 40))}: ${bound}`,
    );
  }
});

test("over-deep YAML bodies are a 400 before the parser sees them", async () => {
  for (const text of [
    `{"metadata":{"labels":{"x":${"[".repeat(20000)}${"]".repeat(20000)}}}}`,
    `metadata:\n  labels:\n    x:\n${" ".repeat(2000)}- 1\n`,
  ]) {
    await assert.rejects(
      decodeObjectBody(Buffer.from(text), "application/yaml"),
      (err: unknown) =>
        err instanceof StatusError &&
        err.code === 400 &&
        err.message ===
          `error converting YAML to JSON: yaml: exceeded max depth of ${MAX_JSON_DEPTH}`,
    );
  }
  const ok = await decodeObjectBody(
    Buffer.from('apiVersion: v1\nkind: ConfigMap\ndata:\n  a: "[x"\n'),
    "application/yaml",
  );
  assert.deepEqual(ok, { apiVersion: "v1", kind: "ConfigMap", data: { a: "[x" } });
});

test("JSON bodies: nesting past MAX_JSON_DEPTH is a 400 at any length, blank bodies are a 400", async () => {
  const nested = (depth: number, pad = "") =>
    `{"a":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}${pad}}`;
  const deep = (err: unknown) =>
    err instanceof StatusError &&
    err.code === 400 &&
    err.message === `json: exceeded max depth of ${MAX_JSON_DEPTH}`;
  // depth, padding after the value (makes the text long with few brackets)
  const cases: [number, string, boolean][] = [
    [MAX_JSON_DEPTH, "", true],
    [MAX_JSON_DEPTH + 1, "", false],
    [MAX_JSON_DEPTH, " ".repeat(5000), true],
    [MAX_JSON_DEPTH + 1, " ".repeat(5000), false],
    [3, `,"s":"${"[".repeat(3000)}"`, true],
  ];
  for (const [depth, pad, ok] of cases) {
    const body = Buffer.from(nested(depth, pad));
    if (ok) assert.equal(typeof (await decodeObjectBody(body, "application/json")), "object");
    else await assert.rejects(decodeObjectBody(body, "application/json"), deep, `depth ${depth}`);
  }
  for (const blank of ["", "  \n\t", "\u00a0", "\ufeff "]) {
    await assert.rejects(
      decodeObjectBody(Buffer.from(blank), "application/json"),
      (err: unknown) =>
        err instanceof StatusError &&
        err.code === 400 &&
        err.message === "couldn't get version/kind; json parse error: unexpected end of JSON input",
      JSON.stringify(blank),
    );
  }
});

test("readBody: whole bodies in any chunking, 413 past the limit, a rejection when the client goes away", async () => {
  const http = await import("node:http");
  const { readBody } = await import("./request-body.ts");
  const outcomes: (string | Error)[] = [];
  let started: (() => void) | undefined;
  const server = http.createServer((req, res) => {
    readBody(req, 1000).then(
      (body) => {
        outcomes.push(body.toString());
        res.end("ok");
      },
      (err: Error) => {
        outcomes.push(err);
        if (!res.destroyed) res.writeHead(413).end();
      },
    );
    started?.();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const send = (chunks: string[], opts: { abort?: boolean } = {}) =>
    new Promise<number>((resolve) => {
      const req = http.request({ port, host: "127.0.0.1", method: "POST", path: "/" }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", () => resolve(0));
      for (const c of chunks) req.write(c);
      // Gone once the server reads the body.
      if (opts.abort) started = () => req.destroy();
      else req.end();
    });
  try {
    assert.equal(await send([]), 200);
    assert.equal(await send(["a".repeat(10), "b".repeat(990)]), 200);
    assert.equal(await send(["a".repeat(600), "b".repeat(600)]), 413);
    assert.equal(await send(["a".repeat(10)], { abort: true }), 0);
    await eventually(() => outcomes.length === 4);
    assert.equal(outcomes[0], "");
    assert.equal(outcomes[1], "a".repeat(10) + "b".repeat(990));
    assert.ok(outcomes[2] instanceof StatusError && outcomes[2].code === 413);
    assert.ok(outcomes[3] instanceof Error && !(outcomes[3] instanceof StatusError));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function eventually(ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (const start = Date.now(); !ok();) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("mediaType: the media type without parameters, trimmed and lowercased", async () => {
  const { mediaType } = await import("./request-body.ts");
  const cases: [string | undefined, string][] = [
    [undefined, ""],
    ["", ""],
    ["application/json", "application/json"],
    [" Application/JSON ; charset=utf-8", "application/json"],
    ["application/merge-patch+json;a=b;c=d", "application/merge-patch+json"],
    [";x", ""],
  ];
  for (const [header, want] of cases) assert.equal(mediaType(header), want, String(header));
});
