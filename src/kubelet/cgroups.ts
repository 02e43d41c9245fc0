/**
 * Pod cgroups under the cgroupfs driver on cgroup v1: runc creates
 * `<parent>/<container>` in every hierarchy and removes only the leaf, so
 * the kubelet removes the pod (and, on shutdown, its root) directories.
 */
import { readdirSync, rmdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Where the cgroup hierarchies are mounted (tests pass a directory of their own). */
export const cgroupFs = "/sys/fs/cgroup";

function hierarchies(fsRoot: string): string[] {
  try {
    return readdirSync(fsRoot)
      .map((h) => join(fsRoot, h))
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
export function removeCgroup(path: string, fsRoot = cgroupFs): boolean {
  let ok = true;
  for (const h of hierarchies(fsRoot)) ok = removeTree(join(h, path)) && ok;
  return ok;
}

/** The QoS levels below the kubelet's cgroup root where pod cgroups live (Guaranteed at the root). */
const qosDirs = ["", "burstable", "besteffort"];

/**
 * The pod cgroups below `root` in any hierarchy (upstream
 * GetAllPodsFromCgroups): pod uid → cgroup paths relative to the
 * hierarchies (`<root>/pod<uid>`, `<root>/burstable/pod<uid>`, ...).
 */
export function podCgroups(root: string, fsRoot = cgroupFs): Map<string, string[]> {
  const found = new Map<string, Set<string>>();
  const base = root.replace(/\/+$/, "");
  for (const h of hierarchies(fsRoot))
    for (const q of qosDirs) {
      const rel = q ? `${base}/${q}` : base;
      let names: string[];
      try {
        names = readdirSync(join(h, rel));
      } catch {
        continue;
      }
      for (const n of names) {
        if (!n.startsWith("pod") || n.length <= 3) continue;
        const uid = n.slice(3);
        const set = found.get(uid) ?? new Set<string>();
        set.add(`${rel}/${n}`);
        found.set(uid, set);
      }
    }
  return new Map([...found].map(([uid, paths]) => [uid, [...paths].sort()]));
}
