import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { GatehouseError } from '../errors/gatehouse-error.js';
import { evaluateAccess } from '../policy/evaluate-access.js';
import type { EvaluationContext } from '../policy/policy-types.js';
import { loadApp } from './apps-routes.js';
import { type ApiMessage, success } from './envelope.js';
import { lastSeenIdentity, type PolicyCheckBody, policyCheckBody } from './policy-tester-schema.js';
import { rejectFields, validateBody } from './validate.js';

/** Message codes of the policy tester's `messages`. */
const NEVER_SEEN = 12100;
const FILLED_FROM_LAST_SEEN = 12101;

/**
 * POST /accounts/{account_id}/access/apps/{app_id}/user_policy_checks: evaluates the app's policies (exactly what
 * the sign-on path evaluates) for a user described in the body, optionally completed from the user's last
 * sign-in. Read-only: nothing is stored and nothing is logged as a sign-in.
 */
export function registerPolicyTesterRoutes(api: FastifyInstance, ctx: AppContext): void {
  const path = '/accounts/:account_id/access/apps/:app_id/user_policy_checks';
  type P = { Params: { app_id: string } };

  api.get<P>(path, async () => {
    throw new GatehouseError('API_METHOD_NOT_ALLOWED', {
      detail: 'an API token is not a user: POST the user to test, e.g. {"email": "user@example.com", "use_last_seen_identity": true}',
    });
  });

  api.post<P>(path, async (req) => {
    const app = await loadApp(ctx, req.params.app_id);
    const body = validateBody(policyCheckBody, req.body);
    const idp = body.idp_id === undefined ? undefined : await ctx.store.idps.get(body.idp_id);
    if (body.idp_id !== undefined && !idp) rejectFields([{ pointer: '/idp_id', message: `no identity provider with id ${body.idp_id}` }]);

    const messages: ApiMessage[] = [];
    const last = body.use_last_seen_identity ? await readLastSeen(ctx, body.email) : undefined;
    if (body.use_last_seen_identity && !last) {
      messages.push({ code: NEVER_SEEN, message: `${body.email} has no recorded sign-in; evaluated with the values of this request only` });
    }
    const context = buildContext(body, idp?.type, last);
    if (last) {
      const filled = filledFields(body, last);
      messages.push({
        code: FILLED_FROM_LAST_SEEN,
        message: filled.length > 0 ? `from the last sign-in${last.authn?.at ? ` (${last.authn.at})` : ''}: ${filled.join(', ')}` : 'the request gave every field; nothing was taken from the last sign-in',
      });
    }

    const [policies, groups, lists] = await Promise.all([ctx.store.policies.listForApp(app.id), ctx.store.accessGroups.all(), ctx.store.accessLists.all()]);
    const access = evaluateAccess(policies, context, { groups, lists });
    return success(
      {
        allowed: access.allowed,
        decision: access.decision ?? null,
        policy: access.policyId ? { id: access.policyId, name: access.policyName ?? '' } : null,
        reasons: access.reasons,
        identity: serializeContext(context),
        source: last ? 'last_seen' : 'request',
      },
      undefined,
      messages,
    );
  });
}

type LastSeen = ReturnType<typeof lastSeenIdentity.parse>;

async function readLastSeen(ctx: AppContext, email: string): Promise<LastSeen | undefined> {
  const json = await ctx.store.users.lastIdentityByEmail(email);
  if (json === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    raw = undefined;
  }
  const parsed = lastSeenIdentity.safeParse(raw);
  // An unreadable record (an older shape) is treated like no record rather than failing the check.
  if (!parsed.success) ctx.logger.warn({ event: 'policy_tester.last_identity_unreadable', email }, 'stored last identity could not be read');
  return parsed.success ? parsed.data : undefined;
}

/** The request's values; where it gave none, the last sign-in's. Connection facts only ever come from the request. */
function buildContext(body: PolicyCheckBody, idpType: string | undefined, last: LastSeen | undefined): EvaluationContext {
  const idpId = body.idp_id ?? last?.idpId ?? '';
  const type = body.idp_id !== undefined ? idpType : last?.idpType;
  return {
    email: body.email,
    idpId,
    ...(type === undefined ? {} : { idpType: type }),
    groups: body.groups ?? last?.groups ?? [],
    claims: body.attributes ? toClaims(body.attributes) : (last?.claims ?? {}),
    amr: body.amr ?? last?.authn?.amr ?? [],
    ...(body.ip === undefined ? {} : { ip: body.ip }),
    ...(body.country === undefined ? {} : { country: body.country }),
  };
}

function filledFields(body: PolicyCheckBody, last: LastSeen): string[] {
  const filled: string[] = [];
  if (body.idp_id === undefined && last.idpId) filled.push('idp_id');
  if (body.groups === undefined) filled.push('groups');
  if (body.attributes === undefined) filled.push('attributes');
  if (body.amr === undefined) filled.push('amr');
  return filled;
}

function toClaims(attributes: NonNullable<PolicyCheckBody['attributes']>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, typeof v === 'string' ? [v] : v]));
}

/** The context in the request's own vocabulary, so it can be edited and sent back. */
function serializeContext(c: EvaluationContext): Record<string, unknown> {
  return {
    email: c.email,
    idp_id: c.idpId || null,
    idp_type: c.idpType ?? null,
    groups: c.groups,
    attributes: c.claims ?? {},
    amr: c.amr ?? [],
    ip: c.ip ?? null,
    country: c.country ?? null,
  };
}
