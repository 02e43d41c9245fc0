import type { Command } from "commander";

/** `k8ts images build|import|ls`: offline images for the node's containerd. */
export function registerImagesCommand(program: Command): void {
  const images = program
    .command("images")
    .description("Build, import and list container images offline");
  images
    .command("build <image>")
    .description("Build busybox, pause or the nginx stand-in as an OCI image tarball (no registry)")
    .option("-o, --output <file>", "output file (default <image>.tar)")
    .option("--busybox <path>", "busybox-static binary", "/bin/busybox")
    .action(async (which: string, flags) => {
      const { writeFileSync } = await import("node:fs");
      const { BUILTIN_IMAGES, buildBuiltinImage } =
        await import("../kubelet/images/builtin-images.ts");
      const known = BUILTIN_IMAGES.find((b) => b === which);
      if (!known) throw new Error(`Cannot build ${which}: choose ${BUILTIN_IMAGES.join(", ")}`);
      const built = buildBuiltinImage(known, flags.busybox);
      const out = flags.output ?? `${which}.tar`;
      writeFileSync(out, built.tar);
      process.stdout.write(`${built.name} -> ${out} (${built.tar.length} bytes)\n`);
    });
  images
    .command("import <file>")
    .description("Import an OCI or docker-archive tarball into containerd's k8s.io namespace")
    .option(
      "--address <socket>",
      "containerd socket",
      "/var/lib/k8ts/agent/containerd/containerd.sock",
    )
    .action(async (file: string, flags) => {
      const { statSync } = await import("node:fs");
      const { importImage } = await import("../kubelet/images/import-image.ts");
      const size = statSync(file).size;
      const started = Date.now();
      let bar:
        | { start(total: number, v: number): void; update(v: number): void; stop(): void }
        | undefined;
      let tick: NodeJS.Timeout | undefined;
      if (size > 50 * 1024 * 1024 && process.stderr.isTTY) {
        const { SingleBar, Presets } = await import("cli-progress");
        bar = new SingleBar(
          { format: "importing [{bar}] {percentage}% (estimated)" },
          Presets.shades_classic,
        );
        bar.start(100, 0);
        // ctr reports no progress: estimate from ~100 MB/s.
        tick = setInterval(
          () => bar!.update(Math.min(99, ((Date.now() - started) / 1000) * (100e6 / size) * 100)),
          200,
        );
      }
      try {
        await importImage(flags.address, file);
      } finally {
        if (tick) clearInterval(tick);
        bar?.update(100);
        bar?.stop();
      }
      process.stdout.write(`imported ${file} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    });
  images
    .command("ls")
    .description("List images through CRI")
    .option(
      "--address <socket>",
      "containerd socket",
      "/var/lib/k8ts/agent/containerd/containerd.sock",
    )
    .action(async (flags) => {
      const { CriRuntime } = await import("../kubelet/runtime/cri/cri-runtime.ts");
      const rt = new CriRuntime(`unix://${String(flags.address).replace(/^unix:\/\//, "")}`);
      try {
        const list = await rt.listImages();
        process.stdout.write(`${"IMAGE".padEnd(50)} ${"IMAGE ID".padEnd(15)} SIZE\n`);
        for (const i of list) {
          const name = i.repoTags[0] ?? i.repoDigests[0] ?? "<none>";
          process.stdout.write(
            `${name.padEnd(50)} ${i.id.replace("sha256:", "").slice(0, 13).padEnd(15)} ${(i.size / 1e6).toFixed(1)}MB\n`,
          );
        }
      } finally {
        rt.close();
      }
    });
}
