import type { FastifyInstance } from 'fastify';

export interface ApiAnswer {
  status: number;
  /** Cloudflare's envelope: {success, errors: [{code, message, source?: {pointer}}], messages, result}. */
  body: { success: boolean; errors: Array<{ code: number; message: string; source?: { pointer: string } }>; messages: Array<{ code: number; message: string }>; result: any };
}

/**
 * The dashboard is built on the admin API: its forms become the same JSON requests, answered in-process by the
 * same routes, so validation, reference checks and configuration versioning are one implementation. Errors come
 * back per field (JSON pointers) for the form to show next to its inputs.
 */
export class AdminApiClient {
  constructor(
    private readonly http: FastifyInstance,
    private readonly accountId: string,
    private readonly internalToken: string,
  ) {}

  /** `path` below /client/v4/accounts/<account>, e.g. `/access/apps`. */
  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<ApiAnswer> {
    const res = await this.http.inject({
      method,
      url: `/client/v4/accounts/${this.accountId}${path}`,
      headers: { authorization: `Bearer ${this.internalToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: res.statusCode, body: res.json() as ApiAnswer['body'] };
  }
}
