import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { KObject } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { negotiate } from "../negotiation.ts";
import { listItemJson, renderList, type RenderOptions } from "../output.ts";
import { ChunkWriter, replyList } from "./list-reply.ts";

const TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

function options(accept = "application/json"): RenderOptions {
  return {
    negotiated: negotiate(accept),
    printer: { columns: [], row: () => [] },
    includeObject: "None",
    now: new Date(0),
  };
}

/** Objects of many shapes: type meta first in either order, later, absent, odd; keys, text. */
function shapes(): KObject[] {
  const meta = (name: string) => ({ name, labels: { "7": "seven", app: "a" } });
  return [
    { apiVersion: "v1", kind: "Pod", metadata: meta("first"), spec: { "2": 1, b: [1, null] } },
    { kind: "Pod", apiVersion: "v1", metadata: meta("go-order") },
    { metadata: meta("later"), apiVersion: "v1", kind: "Pod" },
    { apiVersion: "v1", metadata: meta("between"), kind: "Pod" },
    { apiVersion: "v1", kind: "Pod" },
    { kind: "Pod", apiVersion: "v1" },
    { apiVersion: "v1" },
    { metadata: meta("none") },
    { apiVersion: "v1", kind: 'Po"d\u2028', metadata: meta("escaped kind") },
    { apiVersion: 1, kind: "Pod", metadata: meta("numeric apiVersion") } as unknown as KObject,
    { "1": "integer key first", apiVersion: "v1", kind: "Pod" } as unknown as KObject,
    { apiVersion: "v1", kind: "Pod", metadata: meta("ünïcödé ✓ 😀"), data: { s: "\u0000\ud800" } },
    Object.assign(Object.create(null), { apiVersion: "v1", kind: "Pod", x: 1 }) as KObject,
  ];
}

test("listItemJson gives what JSON.stringify of the rendered item gives, whatever its shape", () => {
  for (const keep of [false, true]) {
    const itemJson = listItemJson(options(), keep)!;
    for (const obj of shapes()) {
      const [rendered] = renderList([obj], {}, "v1", "PodList", options(), keep).items as KObject[];
      assert.equal(itemJson(obj), JSON.stringify(rendered), JSON.stringify(obj));
    }
  }
  assert.equal(listItemJson(options(TABLE)), undefined, "Tables render their rows");
  const partial = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io";
  assert.equal(listItemJson(options(partial)), undefined, "partial metadata is rendered");
  assert.equal(listItemJson(options("application/yaml")), undefined);
});

/** A RequestContext whose response keeps what is written. */
function fakeContext(method = "GET"): {
  ctx: RequestContext;
  body: () => Buffer;
  headers: () => Record<string, unknown>;
} {
  const parts: Buffer[] = [];
  let head: Record<string, unknown> = {};
  const res = Object.assign(new EventEmitter(), {
    headersSent: false,
    destroyed: false,
    writeHead(_code: number, h: Record<string, unknown>) {
      res.headersSent = true;
      head = h;
    },
    write(chunk: string | Buffer) {
      parts.push(Buffer.from(chunk));
      return true;
    },
    end(chunk?: string | Buffer) {
      if (chunk !== undefined) parts.push(Buffer.from(chunk));
    },
  });
  const server = { store: { answerJson: () => undefined } };
  const ctx = {
    req: { method, headers: {} },
    res,
    warnings: [],
    server,
  } as unknown as RequestContext;
  return { ctx, body: () => Buffer.concat(parts), headers: () => head };
}

test("replyList's bytes are JSON.stringify of the rendered list, streamed or whole", async () => {
  const big = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "big" },
    s: "é😀x".repeat(40_000),
  };
  const objs: KObject[] = [];
  for (let i = 0; i < 700; i++) {
    const shape = shapes();
    objs.push(shape[i % shape.length]!);
    if (i % 97 === 0) objs.push(big);
  }
  const listMeta = { resourceVersion: "42", continue: "abc" };
  for (const accept of ["application/json", TABLE]) {
    for (const count of [0, 3, 499, 500, objs.length]) {
      const items = objs.slice(0, count);
      const opts = options(accept);
      const render = (part: KObject[]) => renderList(part, listMeta, "v1", "PodList", opts);
      // Batches as a ListPage makes them (and an odd one): over 500 items, the list is streamed.
      const batches = [items.slice(0, 60), items.slice(60, 61)];
      for (let i = 61; i < items.length; i += 64) batches.push(items.slice(i, i + 64));
      const { ctx, body, headers } = fakeContext();
      await replyList(ctx, batches, render, opts.negotiated, listItemJson(opts));
      const want = Buffer.from(JSON.stringify(render(items)));
      assert.ok(body().equals(want), `${accept}, ${count} items`);
      const length = headers()["Content-Length"];
      if (count <= 500) assert.equal(length, want.length, "a small list is sent with its length");
      else assert.equal(length, undefined, "a large list is streamed");
    }
  }
});

test("ChunkWriter encodes as Buffer.from does and never writes into a taken buffer", () => {
  const out = new ChunkWriter();
  const texts = ["{", "ab", "é", "😀", "\ud800", "x".repeat(3 << 20), "✓".repeat(70_000)];
  const taken: [Buffer, Buffer][] = [];
  let want = "";
  for (const text of texts) {
    out.put(text);
    out.comma();
    want += `${text},`;
    if (out.size > 1 << 20) {
      const bytes = out.take();
      taken.push([bytes, Buffer.from(bytes)]);
    }
  }
  const rest = out.take();
  assert.equal(out.size, 0);
  const got = Buffer.concat([...taken.map(([b]) => b), rest]);
  assert.ok(got.equals(Buffer.from(want)));
  for (const [bytes, copy] of taken) assert.ok(bytes.equals(copy), "taken bytes unchanged");
});
