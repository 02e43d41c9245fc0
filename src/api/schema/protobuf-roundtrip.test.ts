/**
 * Property tests of the protobuf codec over every registered type: random
 * schema-conforming objects survive encode→decode unchanged, and corrupted
 * bodies only ever fail with a 400 StatusError. Seeded, so failures repeat.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../status.ts";
import { builtinPackages } from "./builtin.ts";
import { formatDuration, formatTime } from "./go-formats.ts";
import { decodeKubernetesProtobuf, encodeKubernetesProtobuf } from "./protobuf.ts";
import { decodeMessage } from "./protobuf-decode.ts";
import { encodeMessage } from "./protobuf-encode.ts";
import { messagePlan } from "./protobuf-plan.ts";
import { SchemaRegistry, type TypeRef } from "./schema-registry.ts";

// Every built-in package, the late additions (admissionregistration, apiregistration,
// apiextensions) included.
const registry = new SchemaRegistry(builtinPackages());

/** mulberry32: a small seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds random JSON values that fit a type and survive decoding unchanged (no zero scalars). */
class Sampler {
  constructor(readonly rand: () => number) {}

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  value(type: TypeRef, depth: number): unknown {
    switch (type.kind) {
      case "scalar":
        switch (type.name) {
          case "string":
            return this.pick(["a", "web-1", "ünïcødé ✓", "x".repeat(200), "with\nnewline"]);
          case "bytes":
            return Buffer.from(
              Array.from({ length: this.int(1, 40) }, () => this.int(0, 255)),
            ).toString("base64");
          case "bool":
            return true;
          case "int32":
            return this.pick([1, -1, 127, 128, 65535, 2147483647, -2147483648]);
          case "int64":
            return this.pick([1, -7, 2 ** 31, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER, -(2 ** 50)]);
          case "double":
            return this.pick([0.5, -1.25, 3e10]);
        }
        break;
      case "special":
        switch (type.name) {
          case "Time":
            return formatTime(this.int(0, 4e9));
          case "MicroTime":
            return formatTime(this.int(0, 4e9), this.int(0, 999_999) * 1000, true);
          case "Duration":
            return formatDuration(BigInt(this.int(1, 1e9)) * BigInt(this.int(1, 5000)));
          case "Quantity":
            return this.pick(["1", "100m", "1Gi", "0.5", "2e3"]);
          case "IntOrString":
            return this.pick([8080, "http", "25%", -3]);
          case "RawExtension":
          case "JSON":
            return this.pick([{ k: [1, "x", null, true] }, "text", 42, [1, 2]]);
        }
        break;
      case "list":
        return Array.from({ length: this.int(1, 2) }, () => this.value(type.of, depth + 1));
      case "map": {
        const out: Record<string, unknown> = {};
        for (let i = this.int(1, 2); i > 0; i--)
          out[this.pick(["k", "app.kubernetes.io/name", "z", ""])] = this.value(type.of, depth + 1);
        return out;
      }
      case "ref":
        return this.object(type.name, depth + 1);
    }
    throw new Error(`no sample for ${JSON.stringify(type)}`);
  }

  object(typeName: string, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const field of messagePlan(registry, typeName).byName.values()) {
      if (depth > 4 && (field.type.kind !== "scalar" || this.rand() < 0.5)) continue;
      if (this.rand() < 0.35) continue;
      out[field.name] = field.union
        ? this.union(field.union.kind, field.union.schemaType, field.type.kind === "map", depth)
        : this.value(field.type, depth);
    }
    return out;
  }

  /** A value of an apiextensions union (JSONSchemaPropsOr*), or a map of them. */
  union(kind: string, schemaType: string, map: boolean, depth: number): unknown {
    if (map) return { a: this.union(kind, schemaType, false, depth), b: null };
    const schema = () => this.object(schemaType, depth + 3);
    switch (kind) {
      case "JSONSchemaPropsOrBool":
        return this.pick([true, false, "schema"]) === "schema" ? schema() : this.rand() < 0.5;
      case "JSONSchemaPropsOrArray":
        return this.rand() < 0.5 ? schema() : [schema(), schema()];
      default:
        return this.rand() < 0.5 ? schema() : ["x", "y"];
    }
  }
}

const allTypes = registry
  .packages()
  .flatMap((pkg) => Object.keys(pkg.types).map((t) => `${pkg.name}.${t}`));

test("every registered type round-trips random objects through the wire format", () => {
  assert.ok(allTypes.length > 300, `only ${allTypes.length} types registered`);
  allTypes.forEach((typeName, i) => {
    for (let seed = 0; seed < 3; seed++) {
      const obj = new Sampler(rng(i * 7919 + seed)).object(typeName, 0);
      const back = decodeMessage(registry, typeName, encodeMessage(registry, typeName, obj));
      assert.deepEqual(back, obj, `${typeName} seed ${seed}`);
    }
  });
});

test("every served kind round-trips through the envelope", () => {
  for (const { group, version, kind, type } of registry.kinds()) {
    const apiVersion = group ? `${group}/${version}` : version;
    const obj = { apiVersion, kind, ...new Sampler(rng(kind.length)).object(type, 0) };
    assert.deepEqual(
      decodeKubernetesProtobuf(encodeKubernetesProtobuf(obj, registry), registry),
      obj,
      kind,
    );
  }
});

test("corrupted bodies fail only with 400 StatusError", () => {
  const rand = rng(42);
  const sampler = new Sampler(rand);
  const kinds = registry.kinds();
  let failures = 0;
  for (let i = 0; i < 400; i++) {
    const { group, version, kind, type } = kinds[i % kinds.length]!;
    const obj = {
      apiVersion: group ? `${group}/${version}` : version,
      kind,
      ...sampler.object(type, 2),
    };
    const body = encodeKubernetesProtobuf(obj, registry);
    for (let flips = sampler.int(1, 4); flips > 0; flips--) {
      body[sampler.int(4, body.length - 1)] = sampler.int(0, 255);
    }
    const cut = rand() < 0.3 ? body.subarray(0, sampler.int(0, body.length)) : body;
    try {
      decodeKubernetesProtobuf(cut, registry);
    } catch (err) {
      assert.ok(err instanceof StatusError && err.code === 400, `${kind}: ${String(err)}`);
      failures++;
    }
  }
  assert.ok(failures > 100, `only ${failures} of 400 corrupted bodies were rejected`);
});
