/**
 * Builds an OCI image layout archive (oci-layout, index.json, blobs/sha256)
 * holding one image with one gzip layer, named through the
 * `io.containerd.image.name` annotation so `ctr images import` tags it.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { writeTar, type TarEntry } from "./tar-writer.ts";

export interface ImageSpec {
  /** Full reference, e.g. docker.io/library/busybox:latest. */
  name: string;
  layer: TarEntry[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  architecture?: string;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** GOARCH name of this machine's architecture. */
export function goArch(arch: string = process.arch): string {
  return (
    (
      {
        x64: "amd64",
        arm64: "arm64",
        arm: "arm",
        ia32: "386",
        s390x: "s390x",
        ppc64: "ppc64le",
      } as Record<string, string>
    )[arch] ?? arch
  );
}

/** The OCI layout tar for spec, and the image's config digest (its image ID). */
export function buildOciImage(spec: ImageSpec): { tar: Buffer; imageId: string } {
  const layerTar = writeTar(spec.layer);
  const layerGz = gzipSync(layerTar, { level: 6 });
  const arch = spec.architecture ?? goArch();
  const config = Buffer.from(
    JSON.stringify({
      architecture: arch,
      os: "linux",
      config: {
        Env: spec.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        Entrypoint: spec.entrypoint,
        Cmd: spec.cmd,
        WorkingDir: spec.workingDir ?? "",
      },
      rootfs: { type: "layers", diff_ids: [`sha256:${sha256(layerTar)}`] },
      history: [{ created_by: "k8ts images build" }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: `sha256:${sha256(config)}`,
        size: config.length,
      },
      layers: [
        {
          mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
          digest: `sha256:${sha256(layerGz)}`,
          size: layerGz.length,
        },
      ],
    }),
  );
  const tag = spec.name.slice(spec.name.lastIndexOf(":") + 1);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          digest: `sha256:${sha256(manifest)}`,
          size: manifest.length,
          platform: { architecture: arch, os: "linux" },
          annotations: {
            "io.containerd.image.name": spec.name,
            "org.opencontainers.image.ref.name": tag,
          },
        },
      ],
    }),
  );
  const blob = (b: Buffer): TarEntry => ({
    type: "file",
    path: `blobs/sha256/${sha256(b)}`,
    data: b,
  });
  const tar = writeTar([
    { type: "file", path: "oci-layout", data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { type: "dir", path: "blobs" },
    { type: "dir", path: "blobs/sha256" },
    blob(config),
    blob(layerGz),
    blob(manifest),
    { type: "file", path: "index.json", data: index },
  ]);
  return { tar, imageId: `sha256:${sha256(config)}` };
}
