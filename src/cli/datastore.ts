/** `k8ts datastore backup|restore`: online backups of the embedded SQLite datastore. */
import type { Command } from "commander";

const dbPath = async (flags: { dataDir?: string; datastoreEndpoint?: string }) => {
  const { defaultDataDir } = await import("./control-plane.ts");
  const { parseDatastoreEndpoint } = await import("../storage/open-backend.ts");
  const spec = parseDatastoreEndpoint(flags.datastoreEndpoint ?? "", {
    dataDir: flags.dataDir ?? defaultDataDir(),
  });
  if (spec.driver !== "sqlite")
    throw new Error("k8ts datastore works on SQLite; for etcd use k8ts etcd snapshot");
  return spec.path;
};

/** Registers `k8ts datastore`. */
export function registerDatastoreCommand(program: Command): void {
  const ds = program.command("datastore").description("Back up or restore the SQLite datastore");
  ds.command("backup <file>")
    .description("Copy the live database consistently (SQLite online backup) into a file")
    .option("--data-dir <dir>", "data dir of the server")
    .option("--datastore-endpoint <url>", "sqlite:///FILE (default: under the data dir)")
    .action(async (file: string, flags) => {
      const { backupDatastore } = await import("../ha/sqlite-backup.ts");
      const { progressReporter } = await import("../ha/progress.ts");
      const source = await dbPath(flags);
      const progress = await progressReporter("Backup", "pages");
      const { pages } = await backupDatastore(source, file, progress.update);
      progress.done();
      process.stdout.write(`Backup of ${source} saved at ${file} (${pages} pages)\n`);
    });
  ds.command("restore <file>")
    .description("Replace the (stopped) server's database with a backup")
    .option("--data-dir <dir>", "data dir of the server")
    .option("--datastore-endpoint <url>", "sqlite:///FILE (default: under the data dir)")
    .action(async (file: string, flags) => {
      const { restoreDatastore } = await import("../ha/sqlite-backup.ts");
      const target = await dbPath(flags);
      const { keys, kept } = await restoreDatastore({ file, target, now: Date.now() });
      process.stdout.write(
        `Restored ${file} into ${target} (${keys} keys)${kept ? `; previous database kept at ${kept}` : ""}\n`,
      );
    });
}
