import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import parseRange from 'range-parser';
import type { AppEnv } from '../http/context.js';
import { validationHook } from '../http/errors.js';
import type { ServiceDeps } from '../services/deps.js';
import { describePlayback, openPlayback } from '../services/recordings/open-playback.js';
import { continuePlayback } from '../services/recordings/start-playback.js';
import { errors, json } from './schemas.js';

const ticketParam = z.object({
  ticket: z
    .string()
    .max(2048)
    .regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'not a playback ticket')
    .openapi({ param: { name: 'ticket', in: 'path' } }),
});

/** Playback answers are never stored, never shared across origins, never offered as a download. */
const PRIVATE_MEDIA_HEADERS = {
  'cache-control': 'no-store',
  'content-disposition': 'inline',
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
} as const;

const streamRoute = createRoute({
  method: 'get',
  path: '/media/{ticket}',
  summary: 'Stream a recording, decrypted on the fly; honours Range (206)',
  request: { params: ticketParam },
  responses: {
    200: { description: 'The whole recording', content: { 'video/webm': { schema: z.string().openapi({ format: 'binary' }) } } },
    206: { description: 'The requested range', content: { 'video/webm': { schema: z.string().openapi({ format: 'binary' }) } } },
    400: errors[400],
    401: errors[401],
    404: errors[404],
    416: { description: 'Range outside the recording' },
  },
});

const aboutRoute = createRoute({
  method: 'get',
  path: '/media/{ticket}/about',
  summary: 'Who the playback link is for (the viewer watermark) and when it expires',
  request: { params: ticketParam },
  responses: {
    200: json(
      z.object({
        viewerName: z.string(),
        expiresAt: z.string(),
        recording: z.object({ id: z.uuid(), media: z.enum(['audio', 'audio+video']), durationSeconds: z.number().nullable() }),
      }),
      'Playback details',
    ),
    400: errors[400],
    401: errors[401],
    404: errors[404],
  },
});

const continueRoute = createRoute({
  method: 'post',
  path: '/media/{ticket}/continue',
  summary: 'The next playback link for a viewer still watching, asked for with the current one before it expires',
  description:
    'Runs the same checks as starting playback (the viewer is still signed in and may play this recording; it is still stored), ' +
    'and is audited as recording.playback_continued. The new link is again valid for minutes only.',
  request: { params: ticketParam },
  responses: {
    201: json(z.object({ ticket: z.string(), streamUrl: z.url(), expiresAt: z.string() }), 'The next link'),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: errors[409],
    410: errors[410],
  },
});

export function mediaRoutes(deps: ServiceDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  return app
    .openapi(continueRoute, async (c) => {
      c.header('cache-control', 'no-store');
      return c.json(await continuePlayback(deps, c.req.valid('param').ticket), 201);
    })
    .openapi(aboutRoute, async (c) => {
      c.header('cache-control', 'no-store');
      return c.json(await describePlayback(deps, c.req.valid('param').ticket), 200);
    })
    .openapi(streamRoute, async (c) => {
      const playback = await openPlayback(deps, c.req.valid('param').ticket);
      const length = playback.media.plaintextLength;
      const headers: Record<string, string> = { ...PRIVATE_MEDIA_HEADERS, 'content-type': playback.contentType, 'accept-ranges': 'bytes' };
      const requested = c.req.header('range');
      const ranges = requested ? parseRange(length, requested, { combine: true }) : undefined;
      if (ranges === -1) {
        await playback.close();
        return c.body(null, 416, { ...headers, 'content-range': `bytes */${length}` });
      }
      // A malformed header or several ranges: answer with the whole file, as RFC 9110 allows.
      const range = Array.isArray(ranges) && ranges.length === 1 && ranges.type === 'bytes' ? ranges[0]! : undefined;
      const start = range?.start ?? 0;
      const end = range?.end ?? length - 1;
      if (length === 0) {
        await playback.close();
        return c.body(null, 200, { ...headers, 'content-length': '0' });
      }
      headers['content-length'] = String(end - start + 1);
      if (range) headers['content-range'] = `bytes ${start}-${end}/${length}`;
      const status = range ? 206 : 200;
      // HEAD reaches this GET handler too: answer the headers without decrypting a byte.
      if (c.req.method === 'HEAD') {
        await playback.close();
        return c.body(null, status, headers);
      }
      const body = playback.media.stream(start, end);
      body.once('close', () => void playback.close());
      // Under Node's HTTP server, pipe straight into the socket: a detour through web streams
      // costs several milliseconds of first-byte time per range request.
      const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
      if (outgoing) {
        outgoing.writeHead(status, { ...headers, 'x-request-id': c.get('requestId') });
        pipeline(body, outgoing).catch(() => body.destroy());
        return RESPONSE_ALREADY_SENT as never;
      }
      return c.body(Readable.toWeb(body) as ReadableStream, status, headers);
    });
}
