import { describe, expect, it } from 'vitest';
import { ApiError, describeError } from '../../plugin/src/api.js';
import { failedTo } from '../../plugin/src/sidebar/own-alert.js';

/** Several parts of the sidebar share one alert, so each message says which step failed. */
describe('what the sidebar alert says when one of its steps fails', () => {
  it('names the step, then gives the server’s own message, code and reference', () => {
    const server = new ApiError(500, 'INTERNAL', 'Database unavailable', 'req-42');
    expect(describeError(failedTo('load the meeting types', server))).toEqual({
      message: 'Could not load the meeting types: Database unavailable',
      code: 'INTERNAL',
      requestId: 'req-42',
    });
  });

  it('keeps the failure an ApiError, so what reacts to its status still can', () => {
    const failure = failedTo('refresh the live calls', new ApiError(503, 'HTTP_503', 'The server answered 503 Service Unavailable', null));
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(503);
  });

  it('words failures that never reached the server the same way', () => {
    expect(describeError(failedTo('update the call status', new TypeError('Failed to fetch')))).toEqual({
      message: 'Could not update the call status: Failed to fetch',
      code: null,
      requestId: null,
    });
  });
});
