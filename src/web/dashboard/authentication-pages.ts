import { html, type SafeHtml } from '../../lib/html.js';
import { dashboardPage } from '../dashboard-pages.js';

/**
 * Settings › Authentication: the login methods, their add and edit forms. Server-rendered, no script: every field
 * has a visible label, API errors are shown next to the field their JSON pointer names, and a refused form keeps
 * what was typed. A stored client secret is never rendered.
 */

export type LoginMethodType = 'oidc' | 'saml' | 'onetimepin';
export type Template = 'cognito' | 'aws' | undefined;

/** What the form holds: one string per field (checkboxes: 'on' or ''). */
export type FormValues = Record<string, string>;
/** Problems by field name; `_form` for those that belong to no field. */
export type FieldErrors = Record<string, string[]>;

export interface LoginMethodRow {
  id: string;
  name: string;
  type: string;
}

const TYPE_LABEL: Record<string, string> = { oidc: 'OpenID Connect', saml: 'SAML', onetimepin: 'One-time PIN' };

export function typeLabel(type: string): string {
  return TYPE_LABEL[type] ?? type;
}

function testForm(id: string, name: string, csrf: string): SafeHtml {
  return html`<form method="post" action="/dashboard/authentication/${id}/test" target="_blank" class="auth-inline"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="secondary">Test ${name}</button></form>`;
}

function messagesBlock(messages: string[] | undefined, saved: string | undefined): SafeHtml {
  if (!saved && !messages?.length) return html``;
  return html`<div class="notice" role="status" id="auth-saved">${saved ? html`<p>${saved}</p>` : ''}${
    messages?.length ? html`<p><strong>Warnings</strong></p><ul class="auth-warnings">${messages.map((m) => html`<li>${m}</li>`)}</ul>` : ''
  }</div>`;
}

function problemsBlock(problems: string[] | undefined): SafeHtml {
  if (!problems?.length) return html``;
  return html`<div class="notice" role="alert" id="auth-problems">${problems.length === 1 ? html`<p>${problems[0]}</p>` : html`<ul>${problems.map((p) => html`<li>${p}</li>`)}</ul>`}</div>`;
}

export function authenticationListPage(input: { email: string; csrf: string; idps: LoginMethodRow[]; saved?: string; messages?: string[]; problems?: string[] }): string {
  return dashboardPage(
    'Login methods',
    'authentication',
    input.email,
    html`${messagesBlock(input.messages, input.saved)}${problemsBlock(input.problems)}
<table><caption>Login methods</caption><thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col"><span class="auth-sr">Actions</span></th></tr></thead><tbody>
${input.idps.map(
  (i) =>
    html`<tr><td><a href="/dashboard/authentication/${i.id}/edit">${i.name}</a></td><td>${typeLabel(i.type)}</td><td class="auth-actions-cell">${testForm(i.id, i.name, input.csrf)}<a class="button secondary" href="/dashboard/authentication/${i.id}/edit">Edit<span class="auth-sr"> ${i.name}</span></a></td></tr>`,
)}
</tbody></table>
${input.idps.length === 0 ? html`<p>No login methods yet.</p>` : ''}
<p class="muted">Test opens a new window: it signs in to the login method and shows the identity it obtained, without signing anybody in to Gatehouse.</p>
<h2 id="add-new">Add new</h2>
<ul class="auth-choices" aria-labelledby="add-new">
<li><a class="auth-choice" href="/dashboard/authentication/new/oidc"><strong>OpenID Connect</strong><span>Any OpenID Provider</span></a></li>
<li><a class="auth-choice" href="/dashboard/authentication/new/oidc?template=cognito"><strong>Amazon Cognito</strong><span>OpenID Connect, with Cognito’s endpoints explained</span></a></li>
<li><a class="auth-choice" href="/dashboard/authentication/new/saml"><strong>SAML</strong><span>Any SAML 2.0 identity provider</span></a></li>
<li><a class="auth-choice" href="/dashboard/authentication/new/saml?template=aws"><strong>AWS IAM Identity Center</strong><span>SAML, from the IAM Identity Center metadata file</span></a></li>
<li><a class="auth-choice" href="/dashboard/authentication/new/onetimepin"><strong>One-time PIN</strong><span>A code sent by email</span></a></li>
</ul>`,
  );
}

interface FieldSpec {
  name: string;
  label: string;
  help?: SafeHtml | string;
  kind?: 'text' | 'url' | 'password' | 'textarea' | 'checkbox';
  required?: boolean;
  rows?: number;
  placeholder?: string;
  autocomplete?: string;
  spellcheck?: boolean;
}

function renderField(spec: FieldSpec, values: FormValues, errors: FieldErrors): SafeHtml {
  const id = `f-${spec.name.replaceAll('_', '-')}`;
  const problems = errors[spec.name] ?? [];
  const described = [spec.help ? `${id}-help` : '', problems.length ? `${id}-error` : ''].filter(Boolean).join(' ');
  const help = spec.help ? html`<p class="auth-help" id="${id}-help">${spec.help}</p>` : '';
  const error = problems.length ? html`<p class="auth-error" id="${id}-error">${problems.join(' · ')}</p>` : '';
  const aria = html`${described ? html` aria-describedby="${described}"` : ''}${problems.length ? html` aria-invalid="true"` : ''}`;
  const value = values[spec.name] ?? '';
  if (spec.kind === 'checkbox') {
    return html`<div class="auth-field auth-check${problems.length ? ' auth-invalid' : ''}"><input type="checkbox" id="${id}" name="${spec.name}" value="on"${value === 'on' ? html` checked` : ''}${aria}><div><label for="${id}">${spec.label}</label>${help}${error}</div></div>`;
  }
  const common = html`id="${id}" name="${spec.name}"${spec.required ? html` required` : ''}${spec.placeholder ? html` placeholder="${spec.placeholder}"` : ''}${spec.spellcheck === false ? html` spellcheck="false"` : ''}${spec.autocomplete ? html` autocomplete="${spec.autocomplete}"` : ''}${aria}`;
  const control =
    spec.kind === 'textarea'
      ? html`<textarea ${common} rows="${spec.rows ?? 4}">${value}</textarea>`
      : html`<input ${common} type="${spec.kind === 'password' ? 'password' : spec.kind === 'url' ? 'url' : 'text'}" value="${value}">`;
  return html`<div class="auth-field${problems.length ? ' auth-invalid' : ''}"><label for="${id}">${spec.label}${spec.required ? '' : html` <span class="auth-optional">(optional)</span>`}</label>${help}${error}${control}</div>`;
}

export interface FormPageInput {
  email: string;
  csrf: string;
  mode: 'create' | 'edit';
  type: LoginMethodType;
  template: Template;
  /** The login method's id when editing. */
  id?: string;
  /** The saved name when editing (the title; `values.name` may hold an unsaved one). */
  savedName?: string;
  values: FormValues;
  errors: FieldErrors;
  /** Shown after saving: "Saved …" and the API's warnings. */
  saved?: string;
  messages?: string[];
  urls: { callback: string; spEntityId: string; spMetadata: string };
  production: boolean;
}

export function loginMethodFormPage(input: FormPageInput): string {
  const { values, errors } = input;
  const f = (spec: FieldSpec) => renderField(spec, values, errors);
  const cognito = input.template === 'cognito';
  const aws = input.template === 'aws';
  const title =
    input.mode === 'edit'
      ? `Edit ${input.savedName ?? 'login method'}`
      : `Add ${cognito ? 'Amazon Cognito (OpenID Connect)' : aws ? 'AWS IAM Identity Center (SAML)' : typeLabel(input.type)}`;
  const action = input.mode === 'edit' ? `/dashboard/authentication/${input.id}/edit` : `/dashboard/authentication/new/${input.type}`;
  const formProblems = errors._form ?? [];

  let intro: SafeHtml = html``;
  let fields: SafeHtml;
  if (input.type === 'oidc') {
    intro = cognito
      ? html`<div class="auth-guide"><p>In the Amazon Cognito console, open <strong>User pools</strong>, your user pool, then <strong>App integration</strong>. Create an app client of type <strong>Confidential client</strong> with <strong>Generate a client secret</strong>, the <strong>Authorization code grant</strong> and the OpenID Connect scopes <strong>OpenID</strong>, <strong>Email</strong> and <strong>Profile</strong>.</p>
<p>In <strong>Allowed callback URLs</strong>, add Gatehouse’s callback:</p>
<p><code id="callback-url">${input.urls.callback}</code></p></div>`
      : html`<p>Register Gatehouse at your OpenID Provider as a confidential client with the redirect URI <code id="callback-url">${input.urls.callback}</code>.</p>`;
    fields = html`${f({ name: 'name', label: 'Name', required: true, help: 'Shown to users on the login page, e.g. “Amazon Cognito”.' })}
${f({ name: 'client_id', label: cognito ? 'App (client) ID' : 'Client ID', required: true, spellcheck: false, autocomplete: 'off', help: cognito ? 'The Client ID of the app client, under App integration › App client list.' : undefined })}
${f({
  name: 'client_secret',
  label: 'Client secret',
  kind: 'password',
  required: input.mode === 'create',
  autocomplete: 'new-password',
  help:
    input.mode === 'edit'
      ? 'The stored secret is never shown. Leave this empty to keep it; type a new one to replace it.'
      : cognito
        ? 'The Client secret of the same app client (shown after you create it with “Generate a client secret”).'
        : undefined,
})}
${f({ name: 'auth_url', label: 'Auth URL', kind: 'url', required: true, spellcheck: false, placeholder: cognito ? 'https://<your user pool domain>/oauth2/authorize' : undefined, help: cognito ? html`<code>https://&lt;your user pool domain&gt;/oauth2/authorize</code> — the user pool domain is under App integration › Domain.` : 'The authorization endpoint.' })}
${f({ name: 'token_url', label: 'Token URL', kind: 'url', required: true, spellcheck: false, placeholder: cognito ? 'https://<your user pool domain>/oauth2/token' : undefined, help: cognito ? html`<code>https://&lt;your user pool domain&gt;/oauth2/token</code>` : 'The token endpoint.' })}
${f({
  name: 'certs_url',
  label: 'Certificate (key) URL',
  kind: 'url',
  required: true,
  spellcheck: false,
  placeholder: cognito ? 'https://cognito-idp.<region>.amazonaws.com/<your user pool ID>/.well-known/jwks.json' : undefined,
  help: cognito
    ? html`<code>https://cognito-idp.&lt;region&gt;.amazonaws.com/&lt;your user pool ID&gt;/.well-known/jwks.json</code> — the Token signing key URL shown in the User pool overview.`
    : 'The JWKS URL with the keys that sign ID tokens.',
})}
${f({ name: 'pkce_enabled', label: 'Proof Key for Code Exchange (PKCE)', kind: 'checkbox', help: 'Performed on every sign-in. Amazon Cognito and current identity providers support it; keep it on unless yours does not.' })}
<h2>Optional configurations</h2>
${f({ name: 'scopes', label: 'Scopes', spellcheck: false, help: cognito ? 'Separated by spaces. Cognito: openid email profile (the scopes selected for the app client).' : 'Separated by spaces; openid is always requested.' })}
${f({ name: 'claims', label: 'OIDC claims', spellcheck: false, help: cognito ? 'Extra claims to add to the user’s identity, separated by spaces. Suggested for Cognito: sub cognito:username name cognito:groups.' : 'Extra claims to add to the user’s identity, separated by spaces.' })}
${f({ name: 'email_claim_name', label: 'Email claim name', spellcheck: false, help: 'The claim that holds the user’s email address (default: email).' })}
${f({ name: 'issuer', label: 'Issuer', kind: 'url', spellcheck: false, help: 'Checked against the iss claim of ID tokens when given.' })}`;
  } else if (input.type === 'saml') {
    intro = html`<div class="auth-guide">${
      aws
        ? html`<p>In the IAM Identity Center console, open <strong>Applications</strong> › <strong>Customer managed</strong> › <strong>Add application</strong>, choose <strong>SAML 2.0</strong> and download the <strong>IAM Identity Center SAML metadata file</strong>. Under <strong>Application metadata</strong>, type these values manually:</p>`
        : html`<p>Give your identity provider these values of Gatehouse as the service provider:</p>`
    }
<dl class="facts">
<dt>${aws ? 'Application ACS URL' : 'ACS URL'}</dt><dd><code id="acs-url">${input.urls.callback}</code></dd>
<dt>${aws ? 'Application SAML audience' : 'Entity ID'}</dt><dd><code id="sp-entity-id">${input.urls.spEntityId}</code></dd>
<dt>SP metadata</dt><dd><a id="sp-metadata" href="${input.urls.spMetadata}">${input.urls.spMetadata}</a></dd>
</dl>
${aws ? html`<p>Then, under <strong>Edit attribute mappings</strong>, map <code>Subject</code> to <code>\${user:email}</code> and add the attribute <code>email</code>, and assign the users and groups who may sign in.</p>` : ''}</div>`;
    fields = html`${f({ name: 'name', label: 'Name', required: true, help: aws ? 'Shown to users on the login page, e.g. “AWS”.' : 'Shown to users on the login page.' })}
${f({
  name: 'metadata_xml',
  label: aws ? 'IAM Identity Center SAML metadata (XML)' : 'IdP metadata (XML)',
  kind: 'textarea',
  rows: 6,
  spellcheck: false,
  help: input.mode === 'edit' ? 'Paste new metadata to replace the entity ID, SSO URL and certificates below.' : 'Paste the metadata file’s content: the entity ID, SSO URL and signing certificates are read from it.',
})}
${f({ name: 'metadata_url', label: 'IdP metadata URL', kind: 'url', spellcheck: false, help: 'Or a URL Gatehouse fetches the metadata from (instead of pasting it).' })}
${f({ name: 'sign_request', label: 'Sign SAML authentication request', kind: 'checkbox', help: aws ? 'Recommended. AWS IAM Identity Center checks the signature with the certificate in Gatehouse’s SP metadata.' : 'The IdP checks the signature with the certificate in Gatehouse’s SP metadata.' })}
${f({ name: 'email_attribute_name', label: 'Email attribute name', spellcheck: false, help: 'The SAML attribute that holds the user’s email address; without one, the NameID is used.' })}
${f({ name: 'attributes', label: 'SAML attributes', spellcheck: false, help: 'Attributes to add to the user’s identity, separated by spaces.' })}
<h2>Without metadata</h2>
<p class="muted">Filled in from the metadata when you paste it or give its URL; otherwise enter them here.</p>
${f({ name: 'issuer_url', label: 'IdP entity ID or issuer URL', spellcheck: false })}
${f({ name: 'sso_target_url', label: 'Single Sign-On URL', kind: 'url', spellcheck: false })}
${f({ name: 'idp_public_certs', label: 'Signing certificates (PEM)', kind: 'textarea', rows: 6, spellcheck: false, help: 'One or more PEM certificates of the IdP.' })}`;
  } else {
    intro = html`<p>Users type their email address and receive a code to sign in.${input.production ? ' In production, One-time PIN needs outgoing mail (GATEHOUSE_SMTP_HOST and GATEHOUSE_SMTP_FROM).' : ''}</p>`;
    fields = f({ name: 'name', label: 'Name', required: true, help: 'Shown to users on the login page.' });
  }

  return dashboardPage(
    title,
    'authentication',
    input.email,
    html`<p><a href="/dashboard/authentication">← Login methods</a></p>
${messagesBlock(input.messages, input.saved)}
${formProblems.length ? html`<div class="notice" role="alert" id="auth-problems"><p>The login method was not saved.</p><ul>${formProblems.map((p) => html`<li>${p}</li>`)}</ul></div>` : Object.keys(errors).length ? html`<div class="notice" role="alert" id="auth-problems"><p>The login method was not saved: correct the fields marked below.</p></div>` : ''}
${intro}
<form method="post" action="${action}" class="auth-form" novalidate>
<input type="hidden" name="csrf" value="${input.csrf}">
${input.template ? html`<input type="hidden" name="template" value="${input.template}">` : ''}
${fields}
<button type="submit">Save</button>
</form>
${
  input.mode === 'edit' && input.id
    ? html`<div class="actions auth-edit-actions">${testForm(input.id, input.savedName ?? '', input.csrf)}
<form method="post" action="/dashboard/authentication/${input.id}/delete" class="auth-inline"><input type="hidden" name="csrf" value="${input.csrf}"><button type="submit" class="secondary auth-danger">Delete ${input.savedName ?? ''}</button></form></div>`
    : ''
}`,
  );
}
