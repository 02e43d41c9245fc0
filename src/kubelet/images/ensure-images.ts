/**
 * Makes the built-in images (pause, busybox) present in a containerd the
 * kubelet owns, building and importing the ones that are missing.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import { buildBuiltinImage, type BuiltinImage } from "./builtin-images.ts";
import { importImage } from "./import-image.ts";

export async function ensureBuiltinImages(
  runtime: ContainerRuntime,
  socket: string,
  dir: string,
  which: BuiltinImage[] = ["pause", "busybox"],
): Promise<string[]> {
  const imported: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (const w of which) {
    const built = buildBuiltinImage(w);
    if (await runtime.imageStatus(built.name)) continue;
    const file = join(dir, `${w}.tar`);
    writeFileSync(file, built.tar);
    await importImage(socket, file);
    imported.push(built.name);
  }
  return imported;
}
