#!/usr/bin/env node
// After `tsc`, copies the non-TypeScript files the sources load at run time
// (the CRI .proto) to the same place under dist/, so the compiled CLI finds them.
import { cpSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ASSETS = /\.proto$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSETS.test(name)) {
      const to = join(root, "dist", relative(root, path));
      cpSync(path, to);
      process.stdout.write(`copied ${relative(root, path)} -> ${relative(root, to)}\n`);
    }
  }
}
walk(join(root, "src"));
