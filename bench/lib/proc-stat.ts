/** CPU time of processes and threads from /proc (Linux). */
import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ: /proc's clock ticks per second (100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User and system CPU ms of a process (/proc/PID/stat), or of one of its threads (tid). */
export function procStat(pid: number, tid?: number): { userMs: number; sysMs: number } {
  const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  return statCpu(readFileSync(file, "utf8"));
}

/** User and system CPU ms from the text of a stat file. */
export function statCpu(stat: string): { userMs: number; sysMs: number } {
  // The command name "(comm)" may hold spaces and ")": the fields start after its last ")".
  // Counting from state as [0]: utime is [11], stime [12].
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ms = 1000 / TICKS_PER_SECOND;
  return { userMs: Number(f[11]) * ms, sysMs: Number(f[12]) * ms };
}

/** Minor page faults of a process so far (first touches of pages, or touches after a release). */
export function minorFaults(pid: number): number {
  return statMinorFaults(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/** minflt from the text of a stat file ([7] counting from state, see statCpu). */
export function statMinorFaults(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]);
}

/** CPU ms (user + system) a process, or one of its threads, has used so far. */
export function processCpuMs(pid: number, tid?: number): number {
  const { userMs, sysMs } = procStat(pid, tid);
  return userMs + sysMs;
}

/**
 * CPU seconds of a process's main thread and of all its other threads
 * (worker threads, V8's GC helpers, libuv's pool), from /proc/PID/task/TID/stat.
 */
export function threadCpu(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let ms: number;
    try {
      ms = processCpuMs(pid, Number(tid));
    } catch {
      continue; // the thread ended
    }
    if (Number(tid) === pid) main += ms / 1000;
    else others += ms / 1000;
  }
  return { main, others };
}
