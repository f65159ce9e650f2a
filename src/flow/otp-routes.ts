import type { FastifyInstance } from 'fastify';
import { clientFacts, type TrustedProxies } from '../http/client-facts.js';
import type { OtpService } from './otp-service.js';
import { sendReply } from './send-reply.js';

const STATE = /^[A-Za-z0-9_-]{20,100}$/;

/** The One-time PIN pages: email form, code form. Plain HTML forms that work without JavaScript. */
export function registerOtpRoutes(app: FastifyInstance, otp: OtpService, proxies: TrustedProxies): void {
  app.get<{ Querystring: { state?: string } }>('/cdn-cgi/access/otp', async (req, reply) => sendReply(reply, await otp.emailForm(state(req.query.state), req.headers.cookie)));

  app.post<{ Body: Record<string, unknown> }>('/cdn-cgi/access/otp', async (req, reply) => {
    const body = req.body ?? {};
    const client = clientFacts(req.socket.remoteAddress, req.headers, proxies);
    return sendReply(reply, await otp.issue(state(body.state), typeof body.email === 'string' ? body.email : '', req.headers.cookie, client.ip));
  });

  app.post<{ Body: Record<string, unknown> }>('/cdn-cgi/access/otp/verify', async (req, reply) => {
    const body = req.body ?? {};
    return sendReply(reply, await otp.verify(state(body.state), typeof body.code === 'string' ? body.code : '', req.headers.cookie));
  });
}

function state(value: unknown): string {
  return typeof value === 'string' && STATE.test(value) ? value : 'invalid-state-0000000000';
}
