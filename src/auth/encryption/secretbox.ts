/**
 * NaCl secretbox (XSalsa20-Poly1305), the primitive behind upstream's
 * `secretbox` encryption provider. Node's crypto has neither Salsa20 nor a
 * Poly1305 MAC, so both are written here from their specifications
 * (Bernstein's Salsa20/XSalsa20 papers, RFC 8439 §2.5 for Poly1305).
 *
 * Layout as NaCl's `crypto_secretbox_easy` / Go's `secretbox.Seal`: the
 * 16-byte Poly1305 tag followed by the ciphertext. The first 32 bytes of the
 * XSalsa20 key stream are the one-time Poly1305 key; the message is XORed with
 * the stream from byte 32 on.
 */

/** Key length in bytes. */
export const SECRETBOX_KEY_BYTES = 32;
/** Nonce length in bytes. */
export const SECRETBOX_NONCE_BYTES = 24;
/** Bytes a sealed box adds to its message (the Poly1305 tag). */
export const SECRETBOX_OVERHEAD = 16;

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]; // "expand 32-byte k"

const rotl = (v: number, c: number) => (v << c) | (v >>> (32 - c));

/** 20 rounds of the Salsa20 core on `x` in place. */
function salsaRounds(x: Uint32Array): void {
  const qr = (a: number, b: number, c: number, d: number) => {
    x[b] ^= rotl((x[a] + x[d]) | 0, 7);
    x[c] ^= rotl((x[b] + x[a]) | 0, 9);
    x[d] ^= rotl((x[c] + x[b]) | 0, 13);
    x[a] ^= rotl((x[d] + x[c]) | 0, 18);
  };
  for (let i = 0; i < 10; i++) {
    qr(0, 4, 8, 12);
    qr(5, 9, 13, 1);
    qr(10, 14, 2, 6);
    qr(15, 3, 7, 11);
    qr(0, 1, 2, 3);
    qr(5, 6, 7, 4);
    qr(10, 11, 8, 9);
    qr(15, 12, 13, 14);
  }
}

/** The initial Salsa20 state for a 32-byte key and 16 bytes of input (nonce + counter). */
function initialState(key: Uint8Array, input: Uint8Array): Uint32Array {
  const k = Buffer.from(key.buffer, key.byteOffset, key.length);
  const n = Buffer.from(input.buffer, input.byteOffset, input.length);
  const s = new Uint32Array(16);
  s[0] = SIGMA[0];
  s[5] = SIGMA[1];
  s[10] = SIGMA[2];
  s[15] = SIGMA[3];
  for (let i = 0; i < 4; i++) {
    s[1 + i] = k.readUInt32LE(4 * i);
    s[11 + i] = k.readUInt32LE(16 + 4 * i);
    s[6 + i] = n.readUInt32LE(4 * i);
  }
  return s;
}

/** HSalsa20: derives XSalsa20's subkey from the key and the first 16 nonce bytes. */
export function hsalsa20(key: Uint8Array, input16: Uint8Array): Buffer {
  const x = initialState(key, input16);
  salsaRounds(x);
  const out = Buffer.alloc(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => out.writeUInt32LE(x[w], 4 * i));
  return out;
}

/** `length` bytes of the XSalsa20 key stream for (key, 24-byte nonce), block counter from 0. */
export function xsalsa20Stream(key: Uint8Array, nonce: Uint8Array, length: number): Buffer {
  const subkey = hsalsa20(key, nonce.subarray(0, 16));
  const input = Buffer.alloc(16);
  Buffer.from(nonce.subarray(16, 24)).copy(input, 0);
  const out = Buffer.alloc(Math.ceil(length / 64) * 64);
  const x = new Uint32Array(16);
  for (let block = 0; block * 64 < length; block++) {
    input.writeUInt32LE(block >>> 0, 8);
    input.writeUInt32LE(Math.floor(block / 0x100000000), 12);
    const s = initialState(subkey, input);
    x.set(s);
    salsaRounds(x);
    for (let i = 0; i < 16; i++) out.writeUInt32LE((x[i] + s[i]) >>> 0, block * 64 + 4 * i);
  }
  return out.subarray(0, length);
}

const P1305 = (1n << 130n) - 5n;

function leBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** Poly1305 one-time authenticator (RFC 8439 §2.5) of `msg` under a 32-byte key. */
export function poly1305(key: Uint8Array, msg: Uint8Array): Buffer {
  const r = leBigInt(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leBigInt(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    const chunk = msg.subarray(i, Math.min(i + 16, msg.length));
    const n = leBigInt(chunk) | (1n << BigInt(8 * chunk.length));
    acc = ((acc + n) * r) % P1305;
  }
  let tag = (acc + s) & ((1n << 128n) - 1n);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(tag & 0xffn);
    tag >>= 8n;
  }
  return out;
}

function checkSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== SECRETBOX_KEY_BYTES) throw new RangeError("secretbox key must be 32 bytes");
  if (nonce.length !== SECRETBOX_NONCE_BYTES)
    throw new RangeError("secretbox nonce must be 24 bytes");
}

/** Seals `msg`: returns tag (16 bytes) || ciphertext. */
export function secretboxSeal(msg: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer {
  checkSizes(key, nonce);
  const stream = xsalsa20Stream(key, nonce, 32 + msg.length);
  const c = Buffer.alloc(msg.length);
  for (let i = 0; i < msg.length; i++) c[i] = msg[i] ^ stream[32 + i];
  return Buffer.concat([poly1305(stream.subarray(0, 32), c), c]);
}

/** Opens a sealed box; null when it is too short or its tag does not verify. */
export function secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | null {
  checkSizes(key, nonce);
  if (box.length < SECRETBOX_OVERHEAD) return null;
  const c = box.subarray(SECRETBOX_OVERHEAD);
  const stream = xsalsa20Stream(key, nonce, 32 + c.length);
  const want = poly1305(stream.subarray(0, 32), c);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= want[i] ^ box[i];
  if (diff !== 0) return null;
  const m = Buffer.alloc(c.length);
  for (let i = 0; i < c.length; i++) m[i] = c[i] ^ stream[32 + i];
  return m;
}
