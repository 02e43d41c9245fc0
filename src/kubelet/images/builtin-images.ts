/**
 * The images k8ts builds offline: busybox (from Debian's busybox-static), the
 * pause image (the same layer, with an entrypoint that sleeps until SIGTERM)
 * and an nginx stand-in (busybox httpd serving nginx's default page on port
 * 80, so course material that runs `--image=nginx` works without a
 * registry). No registry is involved.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { buildOciImage } from "./oci-image.ts";
import type { TarEntry } from "./tar-writer.ts";

export const BUSYBOX_IMAGE = "docker.io/library/busybox:latest";
/** The sandbox image kubelet v1.32 defaults to. */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

/**
 * Stand-in for nginx:latest: busybox httpd on port 80 serving
 * /usr/share/nginx/html. Not nginx; it answers HTTP GETs like nginx's default site.
 */
export const NGINX_STANDIN_IMAGE = "docker.io/library/nginx:latest";

export type BuiltinImage = "busybox" | "pause" | "nginx";

export const BUILTIN_IMAGES: readonly BuiltinImage[] = ["pause", "busybox", "nginx"];

/** The reference a built-in image is imported under. */
export function builtinImageName(which: BuiltinImage): string {
  return { busybox: BUSYBOX_IMAGE, pause: PAUSE_IMAGE, nginx: NGINX_STANDIN_IMAGE }[which];
}

const NGINX_WELCOME = `<!DOCTYPE html>
<html>
<head><title>Welcome to nginx!</title></head>
<body>
<h1>Welcome to nginx!</h1>
<p>k8ts offline stand-in: busybox httpd serving the nginx default page.</p>
</body>
</html>
`;

/** The rootfs entries: /bin/busybox, one symlink per applet, and the usual top-level dirs. */
export function busyboxLayer(busyboxPath = "/bin/busybox"): TarEntry[] {
  const binary = readFileSync(busyboxPath);
  const applets = execFileSync(busyboxPath, ["--list-full"], { encoding: "utf8" })
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s && s !== "bin/busybox");
  const dirs = new Set([
    "bin",
    "sbin",
    "usr",
    "usr/bin",
    "usr/sbin",
    "etc",
    "tmp",
    "root",
    "proc",
    "sys",
    "dev",
    "var",
    "home",
  ]);
  for (const a of applets) {
    const parts = a.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  const entries: TarEntry[] = [...dirs]
    .sort()
    .map((d) => ({ type: "dir" as const, path: d, mode: d === "tmp" ? 0o1777 : 0o755 }));
  entries.push({ type: "file", path: "bin/busybox", data: binary, mode: 0o755 });
  for (const a of applets) {
    const depth = a.split("/").length - 1;
    entries.push({ type: "symlink", path: a, target: `${"../".repeat(depth)}bin/busybox` });
  }
  entries.push(
    {
      type: "file",
      path: "etc/passwd",
      data: Buffer.from(
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
      ),
    },
    { type: "file", path: "etc/group", data: Buffer.from("root:x:0:\nnogroup:x:65534:\n") },
  );
  return entries;
}

/** Builds one of the built-in images as an OCI layout tarball. */
export function buildBuiltinImage(
  which: BuiltinImage,
  busyboxPath?: string,
): { name: string; tar: Buffer } {
  const layer = busyboxLayer(busyboxPath);
  if (which === "busybox") {
    return {
      name: BUSYBOX_IMAGE,
      tar: buildOciImage({ name: BUSYBOX_IMAGE, layer, cmd: ["sh"] }).tar,
    };
  }
  if (which === "nginx") {
    const html = "usr/share/nginx/html";
    const extra: TarEntry[] = [
      { type: "dir", path: "usr/share", mode: 0o755 },
      { type: "dir", path: "usr/share/nginx", mode: 0o755 },
      { type: "dir", path: html, mode: 0o755 },
      { type: "file", path: `${html}/index.html`, data: Buffer.from(NGINX_WELCOME) },
    ];
    return {
      name: NGINX_STANDIN_IMAGE,
      tar: buildOciImage({
        name: NGINX_STANDIN_IMAGE,
        layer: [...layer, ...extra],
        entrypoint: ["httpd", "-f", "-p", "80", "-h", `/${html}`],
      }).tar,
    };
  }
  const script = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";
  return {
    name: PAUSE_IMAGE,
    tar: buildOciImage({ name: PAUSE_IMAGE, layer, entrypoint: ["/bin/sh", "-c", script] }).tar,
  };
}
