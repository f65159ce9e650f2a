import type { FastifyReply } from 'fastify';
import { pageHeaders } from '../web/page-layout.js';
import type { Reply } from './reply.js';

export function sendReply(reply: FastifyReply, r: Reply): FastifyReply {
  if (r.setCookies.length > 0) reply.header('set-cookie', r.setCookies);
  if (r.kind === 'redirect') {
    return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(r.location, 302);
  }
  return reply.status(r.status).headers(pageHeaders(r.formAction)).send(r.html);
}
