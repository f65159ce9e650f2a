import type { FieldProblem } from '../errors/gatehouse-error.js';

/** Cloudflare's v4 response envelope. */
export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}

export interface ApiMessage {
  code: number;
  message: string;
  source?: { pointer: string };
}

export function success(result: unknown, resultInfo?: ResultInfo, messages: ApiMessage[] = []) {
  return { success: true, errors: [], messages, result, ...(resultInfo ? { result_info: resultInfo } : {}) };
}

export function failure(errors: ApiMessage[]) {
  return { success: false, errors, messages: [], result: null };
}

export function fieldErrors(code: number, fields: FieldProblem[]): ApiMessage[] {
  return fields.map((f) => ({ code, message: `${f.pointer.slice(1).replaceAll('/', '.') || 'body'}: ${f.message}`, source: { pointer: f.pointer } }));
}
