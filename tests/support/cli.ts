import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** `parley …` as an operator runs it: the launcher in its own process, configured by the environment. */
export function parley(args: string[], env: Record<string, string | undefined>, timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env })) if (value !== undefined && key !== 'NODE_OPTIONS') childEnv[key] = value;
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, 'backend/bin/parley.mjs'), ...args], { cwd: repoRoot, env: childEnv, timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
