import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError } from '../errors/gatehouse-error.js';
import type { AccessRule } from '../policy/policy-types.js';
import { groupFormPage, groupsListPage, type ListedGroup, type ListedPolicy, policiesListPage, policyFormPage, type RuleChoices } from '../web/dashboard/policy-pages.js';
import type { ApiAnswer } from './admin-api-client.js';
import type { Admin } from './dashboard-auth.js';
import type { DashboardKit } from './dashboard-routes.js';
import { applyOp, type FormProblems, formOp, hasProblems, mapApiErrors, noProblems, type RuleRows, rowsFromForm, rowsToRules, rulesToRows, unfilledRowProblems } from './rule-form.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Body = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function idParam(req: FastifyRequest): string {
  const id = (req.params as { id?: unknown }).id;
  if (typeof id !== 'string' || !UUID.test(id)) throw new GatehouseError('NOT_FOUND', { detail: 'no such object in the dashboard' });
  return id.toLowerCase();
}

/** An admin API answer that must have succeeded (reads the dashboard needs to render at all). */
function ok(answer: ApiAnswer, what: string): any {
  if (answer.status === 404) throw new GatehouseError('NOT_FOUND', { detail: `${what} not found` });
  if (!answer.body.success) throw new GatehouseError('INTERNAL', { detail: `admin API refused ${what}: ${answer.body.errors.map((e) => e.message).join('; ')}` });
  return answer.body.result;
}

/**
 * Access › Policies (reusable policies) and Access › Groups: lists, create, edit, delete, and the include / require /
 * exclude rule builder. Every form works without JavaScript: "Add a rule" and "Remove" are submit buttons that
 * re-render the form with everything typed kept; saving sends the rule JSON to the admin API and shows its errors
 * next to the rows they belong to.
 */
export function registerPolicyScreens(app: FastifyInstance, kit: DashboardKit): void {
  const { adminApi } = kit;

  const choices = async (): Promise<RuleChoices> => {
    const [groups, lists, idps] = await Promise.all([
      adminApi.call('GET', '/access/groups?per_page=1000'),
      adminApi.call('GET', '/gateway/lists?per_page=1000'),
      adminApi.call('GET', '/access/identity_providers?per_page=1000'),
    ]);
    const items = (a: ApiAnswer) => (a.body.success && Array.isArray(a.body.result) ? (a.body.result as any[]) : []);
    return {
      groups: items(groups).map((g) => ({ id: String(g.id), name: String(g.name) })),
      lists: items(lists).map((l) => ({ id: String(l.id), name: String(l.name), type: String(l.type) })),
      idps: items(idps).map((i) => ({ id: String(i.id), name: String(i.name), type: String(i.type) })),
    };
  };

  /**
   * One POST of a rule-builder form: adds or removes a row (re-rendering), or saves through the admin API. Answers
   * the re-rendered form, or undefined after a successful save (the caller redirects).
   */
  const handleRuleForm = async (
    body: Body,
    render: (rows: RuleRows, problems: FormProblems | undefined) => Promise<string>,
    save: (rules: { include: AccessRule[]; require: AccessRule[]; exclude: AccessRule[] }) => Promise<ApiAnswer>,
  ): Promise<{ html: string; status: number } | { saved: any }> => {
    const rows = rowsFromForm(body);
    const op = formOp(body);
    if (op.op !== 'save') return { html: await render(applyOp(rows, op), undefined), status: 200 };
    const unfilled = unfilledRowProblems(rows);
    if (hasProblems(unfilled)) return { html: await render(rows, unfilled), status: 400 };
    const built = rowsToRules(rows);
    const answer = await save({ include: built.include, require: built.require, exclude: built.exclude });
    if (answer.body.success) return { saved: answer.body.result };
    if (answer.status === 404) throw new GatehouseError('NOT_FOUND', { detail: 'the object being edited no longer exists' });
    const problems = answer.body.errors.length > 0 ? mapApiErrors(answer.body.errors, built.rowOf) : noProblems();
    if (!hasProblems(problems)) problems.other.push(`The admin API answered ${answer.status}.`);
    return { html: await render(rows, problems), status: answer.status >= 400 && answer.status < 500 ? answer.status : 400 };
  };

  // ---- Policies ----

  const policiesList = async (reply: FastifyReply, who: Admin, notes: { notice?: string; problem?: string; savedId?: string } = {}, status = 200) => {
    const [policies, c] = await Promise.all([adminApi.call('GET', '/access/policies?per_page=1000'), choices()]);
    const listed = ok(policies, 'policies') as ListedPolicy[];
    const saved = notes.savedId ? listed.find((p) => p.id === notes.savedId) : undefined;
    if (saved) notes = { ...notes, notice: `Policy “${saved.name}” saved.` };
    delete notes.savedId;
    return kit.page(reply, policiesListPage({ email: kit.email(who), csrf: who.csrf, policies: listed, choices: c, ...notes }), status);
  };

  app.get<{ Querystring: { saved?: string; deleted?: string } }>(
    '/dashboard/policies',
    kit.admin(async (req, reply, who) => {
      const q = req.query as { saved?: string; deleted?: string };
      return policiesList(reply, who, typeof q.saved === 'string' ? { savedId: q.saved } : q.deleted === '1' ? { notice: 'Policy deleted.' } : {});
    }),
  );

  const policyForm = (who: Admin, id: string | undefined, body: Body) => async (rows: RuleRows, problems: FormProblems | undefined) =>
    policyFormPage({
      email: kit.email(who),
      csrf: who.csrf,
      ...(id ? { id } : {}),
      name: text(body.name),
      decision: text(body.decision) || 'allow',
      sessionDuration: text(body.session_duration),
      rows,
      choices: await choices(),
      ...(problems ? { problems } : {}),
    });

  const policyPayload = (body: Body, rules: { include: AccessRule[]; require: AccessRule[]; exclude: AccessRule[] }) => {
    const duration = text(body.session_duration).trim();
    return { name: text(body.name).trim(), decision: text(body.decision), ...rules, ...(duration ? { session_duration: duration } : {}) };
  };

  app.get(
    '/dashboard/policies/new',
    kit.admin(async (_req, reply, who) => kit.page(reply, await policyForm(who, undefined, {})({ include: [], require: [], exclude: [] }, undefined))),
  );

  app.get(
    '/dashboard/policies/:id',
    kit.admin(async (req, reply, who) => {
      const id = idParam(req);
      const p = ok(await adminApi.call('GET', `/access/policies/${id}`), `policy ${id}`) as ListedPolicy;
      return kit.page(reply, await policyForm(who, id, { name: p.name, decision: p.decision, session_duration: p.session_duration ?? '' })(rulesToRows(p), undefined));
    }),
  );

  const savePolicy = (edit: boolean) =>
    kit.admin(async (req, reply, who) => {
      const id = edit ? idParam(req) : undefined;
      const body = (req.body ?? {}) as Body;
      const result = await handleRuleForm(body, policyForm(who, id, body), (rules) =>
        adminApi.call(id ? 'PUT' : 'POST', id ? `/access/policies/${id}` : '/access/policies', policyPayload(body, rules)),
      );
      if ('saved' in result) {
        kit.ctx.logger.info({ event: 'dashboard.policy_saved', id: result.saved.id, by: kit.email(who) }, 'policy saved in the dashboard');
        return reply.redirect(`/dashboard/policies?saved=${encodeURIComponent(String(result.saved.id))}`, 303);
      }
      return kit.page(reply, result.html, result.status);
    });

  app.post('/dashboard/policies', savePolicy(false));
  app.post('/dashboard/policies/:id', savePolicy(true));

  app.post(
    '/dashboard/policies/:id/delete',
    kit.admin(async (req, reply, who) => {
      const id = idParam(req);
      const existing = ok(await adminApi.call('GET', `/access/policies/${id}`), `policy ${id}`) as ListedPolicy;
      const answer = await adminApi.call('DELETE', `/access/policies/${id}`);
      if (!answer.body.success) return policiesList(reply, who, { problem: `Policy “${existing.name}” was not deleted: ${answer.body.errors.map((e) => e.message).join('; ')}` }, answer.status);
      kit.ctx.logger.info({ event: 'dashboard.policy_deleted', id, by: kit.email(who) }, 'policy deleted in the dashboard');
      return reply.redirect('/dashboard/policies?deleted=1', 303);
    }),
  );

  // ---- Access groups ----

  const groupsList = async (reply: FastifyReply, who: Admin, notes: { notice?: string; problem?: string; savedId?: string } = {}, status = 200) => {
    const [groups, c] = await Promise.all([adminApi.call('GET', '/access/groups?per_page=1000'), choices()]);
    const listed = ok(groups, 'groups') as ListedGroup[];
    const saved = notes.savedId ? listed.find((g) => g.id === notes.savedId) : undefined;
    if (saved) notes = { ...notes, notice: `Group “${saved.name}” saved.` };
    delete notes.savedId;
    return kit.page(reply, groupsListPage({ email: kit.email(who), csrf: who.csrf, groups: listed, choices: c, ...notes }), status);
  };

  app.get(
    '/dashboard/groups',
    kit.admin(async (req, reply, who) => {
      const q = req.query as { saved?: string; deleted?: string };
      return groupsList(reply, who, typeof q.saved === 'string' ? { savedId: q.saved } : q.deleted === '1' ? { notice: 'Group deleted.' } : {});
    }),
  );

  const groupForm = (who: Admin, id: string | undefined, body: Body) => async (rows: RuleRows, problems: FormProblems | undefined) =>
    groupFormPage({ email: kit.email(who), csrf: who.csrf, ...(id ? { id } : {}), name: text(body.name), rows, choices: await choices(), ...(problems ? { problems } : {}) });

  app.get(
    '/dashboard/groups/new',
    kit.admin(async (_req, reply, who) => kit.page(reply, await groupForm(who, undefined, {})({ include: [], require: [], exclude: [] }, undefined))),
  );

  app.get(
    '/dashboard/groups/:id',
    kit.admin(async (req, reply, who) => {
      const id = idParam(req);
      const g = ok(await adminApi.call('GET', `/access/groups/${id}`), `group ${id}`) as ListedGroup;
      return kit.page(reply, await groupForm(who, id, { name: g.name })(rulesToRows(g), undefined));
    }),
  );

  const saveGroup = (edit: boolean) =>
    kit.admin(async (req, reply, who) => {
      const id = edit ? idParam(req) : undefined;
      const body = (req.body ?? {}) as Body;
      const result = await handleRuleForm(body, groupForm(who, id, body), async (rules) => {
        if (!id) return adminApi.call('POST', '/access/groups', { name: text(body.name).trim(), ...rules });
        // The form does not edit is_default: keep what is stored.
        const existing = ok(await adminApi.call('GET', `/access/groups/${id}`), `group ${id}`) as { is_default?: boolean };
        return adminApi.call('PUT', `/access/groups/${id}`, { name: text(body.name).trim(), ...rules, is_default: existing.is_default === true });
      });
      if ('saved' in result) {
        kit.ctx.logger.info({ event: 'dashboard.group_saved', id: result.saved.id, by: kit.email(who) }, 'Access group saved in the dashboard');
        return reply.redirect(`/dashboard/groups?saved=${encodeURIComponent(String(result.saved.id))}`, 303);
      }
      return kit.page(reply, result.html, result.status);
    });

  app.post('/dashboard/groups', saveGroup(false));
  app.post('/dashboard/groups/:id', saveGroup(true));

  app.post(
    '/dashboard/groups/:id/delete',
    kit.admin(async (req, reply, who) => {
      const id = idParam(req);
      const existing = ok(await adminApi.call('GET', `/access/groups/${id}`), `group ${id}`) as ListedGroup;
      const answer = await adminApi.call('DELETE', `/access/groups/${id}`);
      if (!answer.body.success) return groupsList(reply, who, { problem: `Group “${existing.name}” was not deleted: ${answer.body.errors.map((e) => e.message).join('; ')}` }, answer.status);
      kit.ctx.logger.info({ event: 'dashboard.group_deleted', id, by: kit.email(who) }, 'Access group deleted in the dashboard');
      return reply.redirect('/dashboard/groups?deleted=1', 303);
    }),
  );
}
