/** The /version document: kubectl's dispatcher picks its build from `minor`. */
export const KUBERNETES_VERSION = "v1.32.0";

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** Version info as upstream's version.Info, for this process. */
export function versionInfo(): VersionInfo {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  return {
    major: "1",
    minor: "32",
    gitVersion: `${KUBERNETES_VERSION}-k8ts`,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: `node${process.versions.node}`,
    compiler: "tsx",
    platform: `${process.platform}/${arch}`,
  };
}
