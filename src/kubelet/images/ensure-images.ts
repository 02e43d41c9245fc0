/**
 * Makes the built-in images (pause, busybox) present in a containerd the
 * kubelet owns, building and importing the ones that are missing.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import {
  BUILTIN_IMAGES,
  buildBuiltinImage,
  builtinImageName,
  type BuiltinImage,
} from "./builtin-images.ts";
import { importImage } from "./import-image.ts";

export async function ensureBuiltinImages(
  runtime: ContainerRuntime,
  socket: string,
  dir: string,
  which: readonly BuiltinImage[] = BUILTIN_IMAGES,
): Promise<string[]> {
  const imported: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (const w of which) {
    if (await runtime.imageStatus(builtinImageName(w))) continue;
    const built = buildBuiltinImage(w);
    const file = join(dir, `${w}.tar`);
    writeFileSync(file, built.tar);
    await importImage(socket, file);
    imported.push(built.name);
  }
  return imported;
}
