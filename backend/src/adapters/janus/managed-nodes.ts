import { join } from 'node:path';
import { startLocalJanus, type LocalJanus } from '../../../../media/janus/local-node.js';
import type { JanusNodeConfig } from '../../../../media/janus/pool.js';

export interface ManagedNodesOptions {
  count: number;
  /** Each node gets <dataDir>/janus/node-<n>; raw recordings stay under <dataDir>/recordings. */
  dataDir: string;
  /** Address the browser-facing HTTP transport binds to. */
  bindAddress: string;
  /** Host name browsers use to reach the nodes. */
  publicHost: string;
  iceInterface?: string;
  commandPrefix?: string[];
}

export interface ManagedNodes {
  nodes: JanusNodeConfig[];
  stop(): Promise<void>;
}

/**
 * Starts local Janus processes with freshly generated configs and secrets: the
 * one-command install and the e2e suite run their own gateways this way.
 */
export async function startManagedNodes(options: ManagedNodesOptions): Promise<ManagedNodes> {
  const started: LocalJanus[] = [];
  try {
    for (let index = 1; index <= options.count; index++) {
      started.push(
        await startLocalJanus({
          id: `local-${index}`,
          baseDir: join(options.dataDir, 'janus', `node-${index}`),
          recordingsRoot: join(options.dataDir, 'recordings'),
          bindAddress: options.bindAddress,
          publicHost: options.publicHost,
          // Separate RTP ranges keep the nodes from racing for the same ports.
          rtpPortRange: { min: 20000 + index * 2000, max: 21999 + index * 2000 },
          ignoreMdns: true,
          ...(options.iceInterface ? { iceEnforceList: options.iceInterface } : {}),
          ...(options.commandPrefix?.length ? { commandPrefix: options.commandPrefix } : {}),
        }),
      );
    }
  } catch (error) {
    await Promise.allSettled(started.map((node) => node.stop()));
    throw error;
  }
  return {
    nodes: started.map((node) => node.node),
    stop: async () => void (await Promise.allSettled(started.map((node) => node.stop()))),
  };
}
