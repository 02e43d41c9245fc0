/**
 * Pod cgroups under the cgroupfs driver on cgroup v1: runc creates
 * `<parent>/<container>` in every hierarchy and removes only the leaf, so
 * the kubelet removes the pod (and, on shutdown, its root) directories.
 */
import { readdirSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";

const cgroupFs = "/sys/fs/cgroup";

function hierarchies(): string[] {
  try {
    return readdirSync(cgroupFs)
      .map((h) => join(cgroupFs, h))
      .filter((p) => {
        try {
          return statSync(p).isDirectory();
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

function removeTree(dir: string): boolean {
  let ok = true;
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return true;
  }
  for (const e of entries) ok = removeTree(join(dir, e)) && ok;
  try {
    rmdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") ok = false;
  }
  return ok;
}

/**
 * Removes the cgroup `path` (e.g. `/kubepods/besteffort/pod<uid>`) and
 * everything below it in every hierarchy; returns false when a directory
 * is still busy (processes left in it).
 */
export function removeCgroup(path: string): boolean {
  let ok = true;
  for (const h of hierarchies()) ok = removeTree(join(h, path)) && ok;
  return ok;
}
