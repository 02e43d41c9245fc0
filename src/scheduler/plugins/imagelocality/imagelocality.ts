/**
 * ImageLocality: favours nodes that already hold the pod's images, weighted
 * by image size and by how widely the image is spread (to avoid piling pods
 * onto the few nodes that have it). Thresholds as upstream: 23 MB to
 * 1000 MB per container.
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { maxNodeScore, type Handle, type ScorePlugin } from "../../framework/interfaces.ts";
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";

export const Name = "ImageLocality";
const mb = 1024 * 1024;
const minThreshold = 23 * mb;
const maxContainerThreshold = 1000 * mb;

/** Upstream's normalizedImageName: adds ":latest" when no tag or digest is given. */
export function normalizedImageName(name: string): string {
  const lastSlash = name.lastIndexOf("/");
  if (name.includes("@") || name.slice(lastSlash + 1).includes(":")) return name;
  return `${name}:latest`;
}

/** The node's images by every normalized name they are known under, with sizes. */
export function nodeImageSizes(node: NodeInfo): Map<string, number> {
  const out = new Map<string, number>();
  for (const img of node.node?.status?.images ?? []) {
    for (const n of img.names ?? []) out.set(normalizedImageName(n), img.sizeBytes ?? 0);
  }
  return out;
}

function containerImages(pod: Pod): string[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]
    .map((c) => c.image)
    .filter((i): i is string => !!i);
}

export function newImageLocality(_args: unknown, handle: Handle): ScorePlugin {
  // Image sizes depend on the Node object only (not on its pods): kept per Node object.
  const sizesOf = new WeakMap<object, Map<string, number>>();
  // The pod's normalized image names, computed once per pod rather than once per node.
  const imagesOf = new WeakMap<PodInfo, string[]>();
  return {
    name: Name,
    score(_state, pod, node) {
      if (node.imageCount === 0) return 0;
      const snapshot = handle.snapshot();
      const total = snapshot.nodeInfoList().length;
      let images = imagesOf.get(pod);
      if (!images) imagesOf.set(pod, (images = containerImages(pod.pod).map(normalizedImageName)));
      if (total === 0 || images.length === 0) return 0;
      const key = node.node ?? node;
      let sizes = sizesOf.get(key);
      if (!sizes) sizesOf.set(key, (sizes = nodeImageSizes(node)));
      let sum = 0;
      for (const name of images) {
        const size = sizes.get(name);
        if (size === undefined) continue;
        sum += size * (snapshot.imageNumNodes(name) / total);
      }
      const maxThreshold = maxContainerThreshold * images.length;
      const clamped = Math.min(Math.max(sum, minThreshold), maxThreshold);
      return Math.floor((maxNodeScore * (clamped - minThreshold)) / (maxThreshold - minThreshold));
    },
  } satisfies ScorePlugin;
}
