import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { poly1305, secretboxOpen, secretboxSeal } from "./secretbox.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

// NaCl's tests/secretbox.c vector (also in libsodium's test suite).
const KEY = hex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
const NONCE = hex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
const MSG = hex(`be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc
  e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31
  0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde
  048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864
  5e0705`);
const BOX = hex(`f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce
  48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c972
  71d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae
  90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b3
  7973f622a43d14a6599b1f654cb45a74e355a5`);

test("secretbox matches the NaCl test vector both ways", () => {
  assert.equal(secretboxSeal(MSG, NONCE, KEY).toString("hex"), BOX.toString("hex"));
  assert.equal(secretboxOpen(BOX, NONCE, KEY)?.toString("hex"), MSG.toString("hex"));
});

test("poly1305 matches RFC 8439 section 2.5.2", () => {
  const key = hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
  const tag = poly1305(key, Buffer.from("Cryptographic Forum Research Group"));
  assert.equal(tag.toString("hex"), "a8061dc1305136c6c22b8baf0c0127a9");
});

test("secretbox rejects tampering, wrong keys/nonces and short boxes; round-trips any length", () => {
  for (const len of [0, 1, 15, 16, 17, 63, 64, 65, 200]) {
    const key = randomBytes(32);
    const nonce = randomBytes(24);
    const msg = randomBytes(len);
    const box = secretboxSeal(msg, nonce, key);
    assert.equal(box.length, len + 16);
    assert.deepEqual(secretboxOpen(box, nonce, key), msg);
    for (const at of [0, box.length - 1]) {
      const bad = Buffer.from(box);
      bad[at] ^= 1;
      assert.equal(secretboxOpen(bad, nonce, key), null, `flipped byte ${at} of ${len}`);
    }
    assert.equal(secretboxOpen(box, nonce, randomBytes(32)), null);
    assert.equal(secretboxOpen(box, randomBytes(24), key), null);
  }
  assert.equal(secretboxOpen(Buffer.alloc(15), NONCE, KEY), null);
  assert.throws(() => secretboxSeal(MSG, NONCE, KEY.subarray(0, 16)), RangeError);
  assert.throws(() => secretboxSeal(MSG, NONCE.subarray(0, 12), KEY), RangeError);
});
