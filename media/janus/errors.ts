/** No Janus node can serve the request right now (down, unreachable, timed out). */
export class JanusUnavailableError extends Error {
  override readonly name = 'JanusUnavailableError';
  readonly nodeId: string | undefined;

  constructor(message: string, options: { nodeId?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.nodeId = options.nodeId;
  }
}

/** Janus answered, but refused the request (bad secret, unknown room, ...). */
export class JanusRequestError extends Error {
  override readonly name = 'JanusRequestError';

  constructor(
    readonly code: number,
    reason: string,
    readonly request: string,
  ) {
    super(`Janus refused ${request}: ${reason} (code ${code})`);
  }
}

/** The generated configuration would be unsafe or cannot be written. */
export class JanusConfigError extends Error {
  override readonly name = 'JanusConfigError';
}

/** The `janus` binary is missing, or the process did not come up. */
export class JanusStartError extends Error {
  override readonly name = 'JanusStartError';
}

/** Janus core error codes we act on (janus/apierror.h, videoroom plugin). */
export const JANUS_ERROR = {
  unauthorized: 403,
  unauthorizedPlugin: 405,
  /** What Janus 1.1.2 answers remove_token for a token it does not hold (JANUS_ERROR_UNKNOWN, "Error removing token"). */
  tokenNotRemoved: 490,
  videoroomNoSuchRoom: 426,
  videoroomRoomExists: 427,
  videoroomNoSuchFeed: 428,
} as const;
