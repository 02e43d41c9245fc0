import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { buildOciImage } from "./oci-image.ts";
import { buildBuiltinImage, NGINX_STANDIN_IMAGE } from "./builtin-images.ts";
import { writeTar } from "./tar-writer.ts";

/** Reads a ustar archive back: path → { type, data, linkname }. */
function readTar(buf: Buffer) {
  const out = new Map<string, { type: string; data: Buffer; link: string }>();
  for (let off = 0; off + 512 <= buf.length;) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) =>
      h
        .subarray(a, a + n)
        .toString()
        .replace(/\0.*$/s, "");
    const name = (str(345, 155) ? `${str(345, 155)}/` : "") + str(0, 100);
    const size = parseInt(str(124, 12), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    assert.equal(parseInt(str(148, 8), 8), sum, `checksum of ${name}`);
    out.set(name, {
      type: str(156, 1),
      data: buf.subarray(off + 512, off + 512 + size),
      link: str(157, 100),
    });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

test("writeTar writes files, directories, symlinks and long paths", () => {
  const long = `${"d".repeat(120)}/file`;
  const entries = readTar(
    writeTar([
      { type: "dir", path: "bin" },
      { type: "file", path: "bin/x", data: Buffer.from("hello"), mode: 0o755 },
      { type: "symlink", path: "bin/y", target: "x" },
      { type: "file", path: long, data: Buffer.alloc(600, 1) },
    ]),
  );
  assert.equal(entries.get("bin/")!.type, "5");
  assert.equal(entries.get("bin/x")!.data.toString(), "hello");
  assert.equal(entries.get("bin/y")!.link, "x");
  assert.equal(entries.get(long)!.data.length, 600);
});

test("buildOciImage writes a consistent OCI layout named by annotation", () => {
  const { tar, imageId } = buildOciImage({
    name: "docker.io/library/test:1.0",
    layer: [{ type: "file", path: "hello", data: Buffer.from("hi") }],
    cmd: ["sh"],
  });
  const files = readTar(tar);
  assert.deepEqual(JSON.parse(files.get("oci-layout")!.data.toString()), {
    imageLayoutVersion: "1.0.0",
  });
  const index = JSON.parse(files.get("index.json")!.data.toString());
  const desc = index.manifests[0];
  assert.equal(desc.annotations["io.containerd.image.name"], "docker.io/library/test:1.0");
  assert.equal(desc.annotations["org.opencontainers.image.ref.name"], "1.0");
  const blob = (d: string) => files.get(`blobs/sha256/${d.replace("sha256:", "")}`)!.data;
  const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
  const manifest = JSON.parse(blob(desc.digest).toString());
  assert.equal(sha(blob(desc.digest)), desc.digest);
  assert.equal(manifest.config.digest, imageId);
  const config = JSON.parse(blob(manifest.config.digest).toString());
  const layer = blob(manifest.layers[0].digest);
  assert.equal(layer.length, manifest.layers[0].size);
  assert.equal(config.rootfs.diff_ids[0], sha(gunzipSync(layer)));
  assert.deepEqual(config.config.Cmd, ["sh"]);
});

test("the nginx stand-in serves nginx's welcome page with busybox httpd on port 80", () => {
  const { name, tar } = buildBuiltinImage("nginx");
  assert.equal(name, NGINX_STANDIN_IMAGE);
  const files = readTar(tar);
  const index = JSON.parse(files.get("index.json")!.data.toString());
  const blob = (d: string) => files.get(`blobs/sha256/${d.replace("sha256:", "")}`)!.data;
  const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
  const config = JSON.parse(blob(manifest.config.digest).toString());
  assert.deepEqual(config.config.Entrypoint, [
    "httpd",
    "-f",
    "-p",
    "80",
    "-h",
    "/usr/share/nginx/html",
  ]);
  const layer = readTar(gunzipSync(blob(manifest.layers[0].digest)));
  assert.match(layer.get("usr/share/nginx/html/index.html")!.data.toString(), /Welcome to nginx!/);
  assert.equal(layer.get("usr/sbin/httpd")!.type, "2", "httpd is a busybox applet symlink");
});
