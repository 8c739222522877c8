import { createServer, type RequestListener, type Server } from 'node:http';
import { declaresTooLarge } from './body.js';

/**
 * The API's HTTP server. Node answers `Expect: 100-continue` with 100 by itself unless told
 * otherwise, inviting a client to send a body that will be refused: a body declared over the
 * limit gets no 100, and the app answers 413 at once and closes the connection.
 */
export function createHttpServer(listener: RequestListener): Server {
  const server = createServer(listener);
  server.on('checkContinue', (req, res) => {
    if (!declaresTooLarge(req)) res.writeContinue();
    server.emit('request', req, res);
  });
  server.keepAliveTimeout = 75_000; // longer than nginx's upstream keep-alive, so nginx closes first
  return server;
}
