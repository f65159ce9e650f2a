import { ERRORS, type ErrorCode } from './catalog.js';

export interface FieldProblem {
  /** JSON pointer into the request body, e.g. "/config/client_id". */
  pointer: string;
  message: string;
}

export interface GatehouseErrorOptions {
  /** Precise reason for the admin log. Never shown to an end user. */
  detail?: string;
  /** What the admin can do about it. */
  hint?: string;
  /** Per-field problems (admin API validation). */
  fields?: FieldProblem[];
  /**
   * The upstream message that was refused, decoded and with secrets redacted. Shown only on admin surfaces (the
   * login method Test page), never to an end user and never logged in full.
   */
  upstream?: string;
  cause?: unknown;
}

/** The single error type crossing module boundaries. Library errors are translated into it once, at the edge. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly apiCode: number;
  readonly publicMessage: string;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly fields: FieldProblem[];
  upstream: string | undefined;
  /** Set when the refusal was already recorded (authentication log) under this reference id. */
  rayId: string | undefined;

  constructor(code: ErrorCode, options: GatehouseErrorOptions = {}) {
    const spec = ERRORS[code];
    super(options.detail ? `${code}: ${options.detail}` : code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.status = spec.status;
    this.apiCode = spec.apiCode;
    this.publicMessage = spec.message;
    this.detail = options.detail;
    this.hint = options.hint;
    this.fields = options.fields ?? [];
    this.upstream = options.upstream;
    this.rayId = undefined;
  }
}

export function isGatehouseError(e: unknown): e is GatehouseError {
  return e instanceof GatehouseError;
}
