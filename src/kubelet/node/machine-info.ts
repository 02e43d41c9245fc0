/**
 * What the node reports about its machine: capacity from the OS,
 * allocatable after the upstream default hard-eviction thresholds
 * (memory.available 100Mi, nodefs.available 10%), and nodeInfo facts.
 */
import { readFileSync, statfsSync } from "node:fs";
import os from "node:os";
import { goArch } from "../images/oci-image.ts";

export interface MachineInfo {
  cpuCores: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
  machineID: string;
  bootID: string;
  systemUUID: string;
  kernelVersion: string;
  osImage: string;
  architecture: string;
}

const readTrim = (path: string): string => {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
};

export function machineInfo(dataDir: string): MachineInfo {
  let storage = 0;
  try {
    const s = statfsSync(dataDir);
    storage = s.blocks * s.bsize;
  } catch {
    storage = 0;
  }
  const osRelease = readTrim("/etc/os-release");
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? "Linux";
  return {
    cpuCores: os.cpus().length,
    memoryBytes: os.totalmem(),
    ephemeralStorageBytes: storage,
    machineID: readTrim("/etc/machine-id"),
    bootID: readTrim("/proc/sys/kernel/random/boot_id"),
    systemUUID: readTrim("/sys/class/dmi/id/product_uuid") || readTrim("/etc/machine-id"),
    kernelVersion: os.release(),
    osImage: pretty,
    architecture: goArch(),
  };
}

/** capacity and allocatable resource lists. */
export function nodeResources(m: MachineInfo, maxPods = 110) {
  const ki = (b: number) => `${Math.floor(b / 1024)}Ki`;
  const capacity = {
    cpu: String(m.cpuCores),
    memory: ki(m.memoryBytes),
    "ephemeral-storage": ki(m.ephemeralStorageBytes),
    pods: String(maxPods),
    "hugepages-2Mi": "0",
  };
  const allocatable = {
    ...capacity,
    memory: ki(Math.max(0, m.memoryBytes - 100 * 1024 * 1024)),
    "ephemeral-storage": String(Math.floor(m.ephemeralStorageBytes * 0.9)),
  };
  return { capacity, allocatable };
}
