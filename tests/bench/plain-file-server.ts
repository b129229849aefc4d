// The floor for media-range: one file served as it is on disk (no ticket, no database, no
// decryption) by Node's own http and fs. `PORT=… FILE=… node --import tsx tests/bench/plain-file-server.ts`
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import parseRange from 'range-parser';

const file = process.env.FILE!;
const size = statSync(file).size;

createServer((request, response) => {
  if (request.url === '/ready') return void response.writeHead(200).end('ok');
  if (request.url !== '/file') return void response.writeHead(404).end();
  const ranges = request.headers.range ? parseRange(size, request.headers.range, { combine: true }) : undefined;
  if (ranges === -1) return void response.writeHead(416, { 'content-range': `bytes */${size}` }).end();
  const range = Array.isArray(ranges) && ranges.length === 1 ? ranges[0]! : undefined;
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  response.writeHead(range ? 206 : 200, {
    'content-type': 'application/octet-stream',
    'content-length': String(end - start + 1),
    ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  createReadStream(file, { start, end }).pipe(response);
}).listen(Number(process.env.PORT), '127.0.0.1');
