#!/usr/bin/env node
// Bundles the CLI into dist/bundle (after `tsc`): Node 20 pays ~2 ms of CPU
// per ES module it resolves and loads, and `k8ts server` loads ~380 of our own
// before /readyz; the bundle's ~200 chunks start it ~15% cheaper. Code is
// split at the sources' dynamic imports, so commands load only what they use.
// Packages stay imports of node_modules. The components thread's module is an
// entry of its own: its worker imports it by its own URL (components-thread.ts).
// Files the sources read next to themselves at run time (the CRI .proto) are
// copied next to the chunks.
import { build } from "esbuild";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// Dynamic imports that `k8ts server` (and `k8ts apiserver`) always runs before
// it listens, made static in the bundle: each dynamic import is a chunk
// boundary, and the shared chunks between such entries multiply (Node pays
// for each ES module it resolves, reads and compiles). The sources keep them
// dynamic (tsx, tsc's dist); conditional imports stay dynamic here too.
const EAGER = {
  "src/cli/control-plane.ts": [
    "../auth/flags.ts",
    "../apiserver/aggregator/front-proxy.ts",
    "../auth/resources.ts",
    "../auth/encryption/setup.ts",
    "../apiserver/admission/builtin/builtin-admission.ts",
    "../apiserver/admission/builtin/admission-flags.ts",
    "../apiserver/admission/webhook/extensibility.ts",
    "../apiserver/aggregator/aggregator.ts",
    "../apiserver/admission/connect-admission.ts",
    "../ha/admin-client.ts",
    "../apiserver/proxy/kubelet-client-cert.ts",
    "../controllers/certificates/run-signer.ts",
  ],
  "src/cli/server-components.ts": [
    "../pki/component-credentials.ts",
    "../apiserver/services/service-ranges.ts",
    "../ha/apiserver-identity.ts",
    "../apiserver/services/service-networking.ts",
    "../controllers/nodeipam/own-pod-cidr.ts",
    "../proxy/dns/run-dns.ts",
  ],
};

/** Rewrites EAGER's `import("x")` expressions (not `typeof import("x")` types) to a static import. */
const eagerImports = {
  name: "eager-imports",
  setup(b) {
    const files = Object.keys(EAGER).map((f) => join(root, f));
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const i = files.indexOf(args.path);
      if (i < 0) return undefined;
      let text = readFileSync(args.path, "utf8");
      const statics = [];
      Object.values(EAGER)[i].forEach((spec, n) => {
        const call = new RegExp(
          `(?<!typeof\\s*)import\\(\\s*"${spec.replace(/[.]/g, "\\.")}"\\s*\\)`,
          "g",
        );
        const before = text;
        text = text.replace(call, `Promise.resolve(__eager${n})`);
        if (text === before) throw new Error(`${args.path}: no import("${spec}") to make static`);
        statics.push(`import * as __eager${n} from "${spec}";`);
      });
      return { contents: `${statics.join("\n")}\n${text}`, loader: "ts" };
    });
  },
};
// `--outdir DIR` bundles elsewhere (the bundle's end-to-end test builds its own).
const at = process.argv.indexOf("--outdir");
const outdir = at > 0 ? process.argv[at + 1] : join(root, "dist", "bundle");
rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts", "src/cli/components-thread.ts"],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  outdir,
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
  metafile: true,
  plugins: [eagerImports],
});
// bin/k8ts runs the bundle only while none of its inputs is newer: it stats
// these (~720 files) instead of walking src/ (~1,150 .ts files, tests included).
const inputs = [...Object.keys(metafile.inputs), "src/kubelet/runtime/cri/api.proto"];
writeFileSync(join(outdir, "inputs.json"), JSON.stringify(inputs));
for (const dir of [outdir, join(outdir, "chunks")]) {
  cpSync(join(root, "src", "kubelet", "runtime", "cri", "api.proto"), join(dir, "api.proto"));
}
process.stdout.write(`bundled src/cli/main.ts -> ${at > 0 ? outdir : join("dist", "bundle")}\n`);
