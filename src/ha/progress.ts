import type { ProgressFn } from "./etcd-snapshot.ts";

/**
 * A progress reporter for long copies: a cli-progress bar on a terminal,
 * otherwise one line per 10% step ("label: 40% (12/30 unit)") on `out`.
 * Call done() when finished.
 */
export async function progressReporter(
  label: string,
  unit: string,
  out: NodeJS.WriteStream = process.stderr,
): Promise<{ update: ProgressFn; done(): void }> {
  if (out.isTTY) {
    const { default: cliProgress } = await import("cli-progress");
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit}`, stream: out },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) bar.start(total ?? done, 0);
        started = true;
        if (total !== undefined) bar.setTotal(total);
        bar.update(done);
      },
      done: () => started && bar.stop(),
    };
  }
  let lastStep = -1;
  return {
    update(done, total) {
      if (!total) return;
      const step = Math.floor((done / total) * 10);
      if (step === lastStep) return;
      lastStep = step;
      out.write(`${label}: ${step * 10}% (${done}/${total} ${unit})\n`);
    },
    done() {},
  };
}
