/** Imports an OCI or docker-archive tarball into containerd's k8s.io namespace with `ctr`. */
import { execFile } from "node:child_process";

/** Runs `ctr -a SOCKET -n k8s.io images import FILE`; rejects with ctr's stderr on failure. */
export function importImage(socket: string, file: string): Promise<void> {
  const address = socket.replace(/^unix:\/\//, "");
  return new Promise((resolve, reject) => {
    execFile(
      "ctr",
      ["-a", address, "-n", "k8s.io", "images", "import", file],
      { maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`Cannot import image ${file}: ${stderr.trim() || err.message}`));
        else resolve();
      },
    );
  });
}
