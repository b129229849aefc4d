#!/usr/bin/env node
// `parley …` (npm run parley -- …): operator commands, TypeScript run through tsx like the server.
// Reads the same environment as the server (DATABASE_URL, PARLEY_DATA_DIR, KMS settings).
// tsx is registered in this process rather than started as two more: a command starts sooner.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
register();
await import(pathToFileURL(join(root, 'backend', 'src', 'cli', 'main.ts')).href);
