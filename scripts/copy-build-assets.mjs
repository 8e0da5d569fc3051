#!/usr/bin/env node
// Copies the non-TypeScript files the compiled code reads next to itself (erp.wsdl via import.meta.url) into dist/.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, process.argv[2] ?? 'dist');
const SOURCE_DIRS = ['api', 'workflows', 'activities', 'integrations', 'provisioning', 'worker', 'contracts', 'lib'];
const SKIPPED = new Set(['.ts', '.md']);

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (!SKIPPED.has(extname(name)) && !name.startsWith('.')) {
      const target = join(outDir, relative(root, path));
      cpSync(path, target);
      process.stdout.write(`copied ${relative(root, path)} -> ${relative(root, target)}\n`);
    }
  }
}

for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) copyAssets(join(root, dir));
