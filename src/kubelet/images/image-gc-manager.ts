/**
 * Image garbage collection as upstream's kubelet ImageGCManager. Images are
 * detected every 5 minutes: each gets a first-detected time, and a
 * last-used time whenever a container (running or not) uses it. Every GC
 * period (5 min), when the image file system's usage reaches
 * --image-gc-high-threshold (85 %), unused images are removed through CRI
 * RemoveImage — least recently used first, then oldest detected — until
 * usage is down to --image-gc-low-threshold (80 %); images younger than
 * --image-minimum-gc-age (2 min), pinned ones and the sandbox image are
 * kept. A shortfall is reported as a FreeDiskSpaceFailed event.
 * `deleteUnusedImages()` removes every eligible image regardless of
 * thresholds (the eviction manager's node-level reclaim).
 */
import type { Clock, TimerHandle } from "../../client/clock.ts";
import type { Logger } from "../../util/logger.ts";
import type { ContainerRuntime, Image } from "../runtime/runtime.ts";

/** Image GC thresholds can be rejected at start-up. */
export class ImageGCPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageGCPolicyError";
  }
}

export interface ImageGCPolicy {
  /** Usage percentage at or above which images are collected (default 85; 100 disables). */
  highThresholdPercent: number;
  /** Usage percentage collection aims for (default 80). */
  lowThresholdPercent: number;
  /** Images detected more recently than this are never collected (default 2 min). */
  minAgeMs: number;
}

export const defaultImageGCPolicy: ImageGCPolicy = {
  highThresholdPercent: 85,
  lowThresholdPercent: 80,
  minAgeMs: 120_000,
};

/** Upstream's validation of the image GC flags. */
export function validateImageGCPolicy(p: ImageGCPolicy): void {
  for (const [name, v] of [
    ["--image-gc-high-threshold", p.highThresholdPercent],
    ["--image-gc-low-threshold", p.lowThresholdPercent],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v > 100)
      throw new ImageGCPolicyError(`invalid ${name} ${v}: must be between 0 and 100`);
  if (p.lowThresholdPercent >= p.highThresholdPercent)
    throw new ImageGCPolicyError(
      `invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) ${p.lowThresholdPercent} must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) ${p.highThresholdPercent}`,
    );
  if (!(p.minAgeMs >= 0))
    throw new ImageGCPolicyError("--image-minimum-gc-age must not be negative");
}

export interface ImageGCManagerOptions {
  runtime: ContainerRuntime;
  clock: Clock;
  log: Logger;
  policy?: ImageGCPolicy;
  /** Capacity and available bytes of the image file system. */
  imageFsStats(): Promise<{ capacityBytes: number; availableBytes: number } | undefined>;
  /** Image names never collected (the sandbox image). */
  pinnedImages?: string[];
  /** A Warning event on the Node. */
  nodeEvent?(reason: string, message: string): void;
  /** Detection and GC period (default 5 min). */
  periodMs?: number;
}

interface ImageRecord {
  firstDetected: number;
  lastUsed: number;
  size: number;
  pinned: boolean;
}

export class ImageGCManager {
  private readonly policy: ImageGCPolicy;
  private readonly records = new Map<string, ImageRecord>();
  private timer?: TimerHandle;
  private stopped = false;

  constructor(private readonly o: ImageGCManagerOptions) {
    this.policy = o.policy ?? defaultImageGCPolicy;
    validateImageGCPolicy(this.policy);
  }

  start(): void {
    void this.detectImages(this.o.clock.now()).catch(() => undefined);
    const tick = () => {
      if (this.stopped) return;
      this.timer = this.o.clock.after(this.o.periodMs ?? 300_000, () => {
        void this.garbageCollect()
          .catch((err) => this.o.log.warn("image garbage collection failed", { err }))
          .finally(tick);
      });
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** Updates the records; resolves to the ids of images in use. */
  async detectImages(now: number): Promise<Set<string>> {
    const [images, containers] = await Promise.all([
      this.o.runtime.listImages(),
      this.o.runtime.listContainers(),
    ]);
    const inUse = new Set<string>();
    for (const c of containers) {
      if (c.imageRef) inUse.add(c.imageRef);
      if (c.image) inUse.add(c.image);
    }
    const pinnedNames = new Set(this.o.pinnedImages ?? []);
    const present = new Set<string>();
    for (const i of images) {
      present.add(i.id);
      const r = this.records.get(i.id) ?? {
        firstDetected: now,
        lastUsed: 0,
        size: 0,
        pinned: false,
      };
      if (isUsed(i, inUse)) r.lastUsed = now;
      r.size = i.size;
      r.pinned = i.pinned || i.repoTags.some((t) => pinnedNames.has(t));
      this.records.set(i.id, r);
    }
    for (const id of [...this.records.keys()]) if (!present.has(id)) this.records.delete(id);
    return new Set(images.filter((i) => isUsed(i, inUse)).map((i) => i.id));
  }

  /** Removes unused images until `bytesToFree` were freed; resolves to the bytes freed. */
  private async freeSpace(bytesToFree: number, freeTime: number): Promise<number> {
    const inUse = await this.detectImages(freeTime);
    const candidates = [...this.records]
      .filter(([id]) => !inUse.has(id))
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed || a.firstDetected - b.firstDetected);
    let freed = 0;
    for (const [id, r] of candidates) {
      if (freeTime - r.firstDetected < this.policy.minAgeMs || r.pinned) continue;
      this.o.log.info("removing unused image", { image: id, size: r.size });
      try {
        await this.o.runtime.removeImage(id);
      } catch (err) {
        this.o.log.warn("image removal failed", { image: id, err });
        continue;
      }
      this.records.delete(id);
      freed += r.size;
      if (freed >= bytesToFree) break;
    }
    return freed;
  }

  /** One GC pass by the thresholds; resolves to the bytes freed. */
  async garbageCollect(): Promise<number> {
    const now = this.o.clock.now();
    if (this.policy.highThresholdPercent >= 100) {
      await this.detectImages(now);
      return 0;
    }
    const fs = await this.o.imageFsStats();
    if (!fs || fs.capacityBytes <= 0) {
      await this.detectImages(now);
      return 0;
    }
    const available = Math.min(fs.availableBytes, fs.capacityBytes);
    const usagePercent = 100 - Math.trunc((available * 100) / fs.capacityBytes);
    if (usagePercent < this.policy.highThresholdPercent) {
      await this.detectImages(now);
      return 0;
    }
    const amountToFree =
      Math.trunc((fs.capacityBytes * (100 - this.policy.lowThresholdPercent)) / 100) - available;
    this.o.log.info("image file system usage over the high threshold, freeing images", {
      usagePercent,
      amountToFree,
    });
    const freed = await this.freeSpace(amountToFree, now);
    if (freed < amountToFree)
      this.o.nodeEvent?.(
        "FreeDiskSpaceFailed",
        `Failed to garbage collect required amount of images. Attempted to free ${amountToFree} bytes, but only found ${freed} bytes eligible to free.`,
      );
    return freed;
  }

  /** Removes every unused image old enough (upstream DeleteUnusedImages). */
  async deleteUnusedImages(): Promise<number> {
    return this.freeSpace(Number.MAX_SAFE_INTEGER, this.o.clock.now());
  }
}

const isUsed = (i: Image, inUse: Set<string>): boolean =>
  inUse.has(i.id) ||
  i.repoTags.some((t) => inUse.has(t)) ||
  i.repoDigests.some((d) => inUse.has(d));
