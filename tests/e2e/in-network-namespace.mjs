#!/usr/bin/env node
// Runs a command inside a private network namespace with no route out: loopback plus
// a veth pair (va 10.250.0.1 / vb 10.250.0.2) so WebRTC has a non-loopback interface.
// Janus, the backend and Chromium all run inside; nothing can reach another host.
import { spawnSync } from 'node:child_process';

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error('usage: in-network-namespace.mjs <command> [args…]');
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error('The end-to-end suite creates a network namespace and needs root. Run `sudo npm test`.');
  process.exit(1);
}

const ns = `parley-e2e-${process.pid}`;
const ip = (...args) => {
  const result = spawnSync('ip', args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed`);
};
const inNs = (...args) => ip('netns', 'exec', ns, 'ip', ...args);

let status = 1;
try {
  ip('netns', 'add', ns);
  inNs('link', 'set', 'lo', 'up');
  inNs('link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
  inNs('addr', 'add', '10.250.0.1/24', 'dev', 'va');
  inNs('addr', 'add', '10.250.0.2/24', 'dev', 'vb');
  inNs('link', 'set', 'va', 'up');
  inNs('link', 'set', 'vb', 'up');
  const run = spawnSync('ip', ['netns', 'exec', ns, ...command], {
    stdio: 'inherit',
    env: { ...process.env, PARLEY_E2E_NAMESPACE: ns, PARLEY_E2E_ICE_INTERFACE: 'va' },
  });
  status = run.status ?? 1;
} finally {
  spawnSync('ip', ['netns', 'delete', ns], { stdio: 'inherit' });
}
process.exit(status);
