/**
 * imagePullPolicy as upstream's imageManager.EnsureImageExists, plus the
 * node-wide switch that keeps tests offline: with pulls disabled an absent
 * image fails with ErrImageNeverPull whatever the policy. Failed pulls
 * back off (ErrImagePull, then ImagePullBackOff while backing off).
 */
import type { Container } from "kubernetes-types/core/v1.d.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import type { Backoff } from "../pod/backoff.ts";

export type EnsureImageResult =
  | { ok: true; imageRef: string; event: { type: "Normal"; reason: string; message: string }[] }
  | {
      ok: false;
      reason: "ErrImageNeverPull" | "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName";
      message: string;
    };

/** The policy when unset: Always for `:latest` or untagged images, else IfNotPresent. */
export function defaultPullPolicy(image: string): string {
  if (image.includes("@")) return "IfNotPresent";
  const last = image.slice(image.lastIndexOf("/") + 1);
  const tag = last.includes(":") ? last.slice(last.indexOf(":") + 1) : "";
  return tag === "" || tag === "latest" ? "Always" : "IfNotPresent";
}

export class ImagePuller {
  private lastFailure = new Map<string, number>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly backoff: Backoff,
    private readonly opts: { pullEnabled: boolean; now(): number },
  ) {}

  /** Makes the container's image present per its policy; `key` scopes the back-off (pod uid/container). */
  async ensure(container: Container, key: string): Promise<EnsureImageResult> {
    const image = container.image ?? "";
    if (!image)
      return { ok: false, reason: "InvalidImageName", message: "container image is empty" };
    const policy = container.imagePullPolicy ?? defaultPullPolicy(image);
    const present = await this.runtime.imageStatus(image);
    const already = (ref: string): EnsureImageResult => ({
      ok: true,
      imageRef: ref,
      event: [
        {
          type: "Normal",
          reason: "Pulled",
          message: `Container image "${image}" already present on machine`,
        },
      ],
    });
    if (present && (policy !== "Always" || !this.opts.pullEnabled)) return already(present.id);
    if (!present && policy === "Never") {
      return {
        ok: false,
        reason: "ErrImageNeverPull",
        message: `Container image "${image}" is not present with pull policy of Never`,
      };
    }
    if (!present && !this.opts.pullEnabled) {
      return {
        ok: false,
        reason: "ErrImageNeverPull",
        message: `Container image "${image}" is not present and image pulls are disabled on this node`,
      };
    }
    const since = this.lastFailure.get(key);
    if (since !== undefined && this.backoff.isInBackOffSince(key, since)) {
      return {
        ok: false,
        reason: "ImagePullBackOff",
        message: `Back-off pulling image "${image}"`,
      };
    }
    const started = this.opts.now();
    try {
      const ref = await this.runtime.pullImage(image);
      this.lastFailure.delete(key);
      const secs = ((this.opts.now() - started) / 1000).toFixed(3);
      return {
        ok: true,
        imageRef: ref,
        event: [
          { type: "Normal", reason: "Pulling", message: `Pulling image "${image}"` },
          {
            type: "Normal",
            reason: "Pulled",
            message: `Successfully pulled image "${image}" in ${secs}s`,
          },
        ],
      };
    } catch (err) {
      this.backoff.next(key);
      this.lastFailure.set(key, this.opts.now());
      return {
        ok: false,
        reason: "ErrImagePull",
        message: `Failed to pull image "${image}": ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }
}
