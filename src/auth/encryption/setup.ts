/**
 * --encryption-provider-config for the control plane: the given file, or (as
 * k3s) a generated `<data-dir>/cred/encryption-config.json` encrypting
 * secrets with a random aescbc key, created 0600 on first start.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Backend } from "../../storage/backend.ts";
import { encryptingBackend } from "./encrypting-backend.ts";
import { generatedEncryptionConfig, parseEncryptionConfig } from "./providers.ts";

/** The backend the API server should use: `backend` wrapped with the configured encryption. */
export async function withEncryptionAtRest(
  backend: Backend,
  configFile: string | undefined,
  dataDir: string,
): Promise<Backend> {
  let path = configFile;
  if (!path) {
    path = join(dataDir, "cred", "encryption-config.json");
    if (!existsSync(path)) {
      await mkdir(join(dataDir, "cred"), { recursive: true, mode: 0o700 });
      await writeFile(path, generatedEncryptionConfig(), { mode: 0o600 });
    }
  }
  const config = parseEncryptionConfig(await readFile(path, "utf8"));
  return config.length > 0 ? encryptingBackend(backend, config) : backend;
}
