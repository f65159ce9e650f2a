import { html, type SafeHtml } from '../../lib/html.js';
import { dashboardPage } from '../dashboard-pages.js';

/** The SaaS application templates the Add page offers (as Cloudflare's dashboard: Amazon AWS, or any SAML app). */
export type AppTemplate = 'aws' | 'saml';

export const TEMPLATES: Record<AppTemplate, { label: string; defaultName: string }> = {
  aws: { label: 'Amazon AWS', defaultName: 'Amazon AWS' },
  saml: { label: 'Generic SAML application', defaultName: '' },
};

/** How many attribute statement rows the form offers (empty rows are ignored). */
export const ATTRIBUTE_ROWS = 4;

export interface AppListRow {
  id: string;
  name: string;
  type: string;
  ssoEndpoint: string;
}

export function applicationsListPage(email: string, apps: AppListRow[], notice?: string): string {
  return dashboardPage(
    'Applications',
    'applications',
    email,
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<p class="app-toolbar"><a class="button" href="/dashboard/applications/new">Add an application</a></p>
${
  apps.length === 0
    ? html`<p>No applications yet.</p>`
    : html`<table><caption>SaaS applications</caption><thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">SSO endpoint</th></tr></thead><tbody>
${apps.map((a) => html`<tr><td><a href="/dashboard/applications/${a.id}">${a.name}</a></td><td>${a.type === 'saas' ? 'SaaS (SAML)' : a.type}</td><td><code>${a.ssoEndpoint}</code></td></tr>`)}
</tbody></table>`
}`,
  );
}

export function chooseTemplatePage(email: string): string {
  return dashboardPage(
    'Add an application',
    'applications',
    email,
    html`<p class="lead">A SaaS application signs its users in with SAML: Gatehouse is its identity provider. Choose the application.</p>
<ul class="app-templates">
<li><a class="tile" href="/dashboard/applications/new/aws"><span class="tile-icon" aria-hidden="true">A</span><span class="tile-name">Amazon AWS <span class="app-hint">IAM Identity Center, SAML</span></span></a></li>
<li><a class="tile" href="/dashboard/applications/new/saml"><span class="tile-icon" aria-hidden="true">S</span><span class="tile-name">Generic SAML application <span class="app-hint">any SAML 2.0 service provider</span></span></a></li>
</ul>
<p><a href="/dashboard/applications">Back to applications</a></p>`,
  );
}

export interface AppFormValues {
  name: string;
  consumerServiceUrl: string;
  spEntityId: string;
  spMetadata: string;
  nameIdFormat: 'email' | 'id';
  attributes: Array<{ name: string; source: string }>;
  allowedIdps: string[];
  autoRedirect: boolean;
  policyMode: 'inline' | 'reusable';
  policyIds: string[];
  allowEmails: string;
  allowDomain: string;
}

/** Form field keys that errors can be shown next to; `form` is the summary at the top only. */
export type AppFormField =
  | 'form'
  | 'name'
  | 'consumer_service_url'
  | 'sp_entity_id'
  | 'sp_metadata'
  | 'name_id_format'
  | 'attributes'
  | 'allowed_idps'
  | 'auto_redirect'
  | 'policies'
  | 'allow_emails'
  | 'allow_domain'
  | `attr_${number}`;

export type AppFormErrors = Partial<Record<AppFormField, string[]>>;

export interface AppFormChoices {
  idps: Array<{ id: string; name: string; type: string }>;
  policies: Array<{ id: string; name: string; decision: string }>;
}

export function emptyAppForm(template: AppTemplate): AppFormValues {
  return {
    name: TEMPLATES[template].defaultName,
    consumerServiceUrl: '',
    spEntityId: '',
    spMetadata: '',
    nameIdFormat: 'email',
    attributes: [],
    allowedIdps: [],
    autoRedirect: false,
    policyMode: 'inline',
    policyIds: [],
    allowEmails: '',
    allowDomain: '',
  };
}

const FIELD_LABELS: Record<string, string> = {
  name: 'Application name',
  consumer_service_url: 'Assertion Consumer Service URL',
  sp_entity_id: 'Entity ID',
  sp_metadata: 'SP metadata XML',
  name_id_format: 'Name ID format',
  attributes: 'Attribute statements',
  allowed_idps: 'Login methods',
  auto_redirect: 'Instant authentication',
  policies: 'Reusable policies',
  allow_emails: 'Allow these emails',
  allow_domain: 'Allow this email domain',
};

/** The error messages of one field: a list under the input, referenced by the input's aria-describedby. */
function fieldError(errors: AppFormErrors, field: AppFormField): SafeHtml {
  const list = errors[field];
  if (!list || list.length === 0) return html``;
  return html`<p class="app-field-error" id="${field}-error">${list.map((m, i) => html`${i > 0 ? html`<br>` : ''}${m}`)}</p>`;
}

function invalid(errors: AppFormErrors, field: AppFormField, hintId?: string): SafeHtml {
  const ids = [...(errors[field]?.length ? [`${field}-error`] : []), ...(hintId ? [hintId] : [])];
  return html`${errors[field]?.length ? html` aria-invalid="true"` : ''}${ids.length > 0 ? html` aria-describedby="${ids.join(' ')}"` : ''}`;
}

function awsGuide(): SafeHtml {
  return html`<section class="notice app-guide" aria-labelledby="aws-guide">
<h2 id="aws-guide">Where AWS shows these values</h2>
<ol>
<li>In the AWS console, search for <strong>IAM Identity Center</strong> and go to <strong>Settings</strong>.</li>
<li>In the <strong>Identity source</strong> tab, open <strong>Actions</strong> and choose <em>Change identity source</em>, then <strong>External identity provider</strong>.</li>
<li>Under <strong>Service provider metadata</strong>, copy the <strong>IAM Identity Center Assertion Consumer Service (ACS) URL</strong> and the <strong>IAM Identity Center issuer URL</strong> into the two fields below (or download the metadata file and paste its contents instead).</li>
<li>After saving, download this application's metadata or certificate from its page and upload it under <strong>IdP SAML metadata</strong> in AWS.</li>
</ol>
<p>AWS only supports email addresses as user names, so the Name ID format is <em>Email</em>.</p>
</section>`;
}

export function appFormPage(input: { email: string; csrf: string; template: AppTemplate; values: AppFormValues; errors: AppFormErrors; choices: AppFormChoices }): string {
  const { template, values: v, errors, choices } = input;
  const summary = Object.entries(errors).flatMap(([field, messages]) =>
    (messages ?? []).map((m) => ({ field, message: m, label: FIELD_LABELS[field] ?? (field.startsWith('attr_') ? `Attribute statement ${Number(field.slice(5)) + 1}` : '') })),
  );
  const isAws = template === 'aws';
  const rows = Array.from({ length: ATTRIBUTE_ROWS }, (_, i) => v.attributes[i] ?? { name: '', source: '' });
  return dashboardPage(
    `Add ${TEMPLATES[template].label}`,
    'applications',
    input.email,
    html`${
      summary.length > 0
        ? html`<div class="notice app-error-summary" role="alert"><h2>The application was not saved</h2><ul>${summary.map(
            (s) => html`<li>${s.field === 'form' ? s.message : html`<a href="#${s.field === 'attributes' ? 'attr_name_0' : s.field === 'name_id_format' ? 'name_id_format_email' : s.field === 'allowed_idps' || s.field === 'policies' ? `${s.field}-group` : s.field.startsWith('attr_') ? `attr_name_${s.field.slice(5)}` : s.field}">${s.label}</a>: ${s.message}`}</li>`,
          )}</ul></div>`
        : ''
    }
${isAws ? awsGuide() : html`<p class="lead">Enter the service provider's values from its SAML settings, or paste its SAML metadata.</p>`}
<form method="post" action="/dashboard/applications" class="app-form" novalidate>
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="template" value="${template}">

<label for="name">Application name</label>
<input id="name" name="name" value="${v.name}" required maxlength="350"${invalid(errors, 'name')}>
${fieldError(errors, 'name')}

<h2>Service provider</h2>
<label for="consumer_service_url">Assertion Consumer Service URL${isAws ? ' (IAM Identity Center ACS URL)' : ''}</label>
<input id="consumer_service_url" name="consumer_service_url" type="url" value="${v.consumerServiceUrl}" maxlength="2048" placeholder="https://…"${invalid(errors, 'consumer_service_url')}>
${fieldError(errors, 'consumer_service_url')}
<label for="sp_entity_id">Entity ID${isAws ? ' (IAM Identity Center issuer URL)' : ''}</label>
<input id="sp_entity_id" name="sp_entity_id" value="${v.spEntityId}" maxlength="1024"${invalid(errors, 'sp_entity_id')}>
${fieldError(errors, 'sp_entity_id')}
<label for="sp_metadata">Or paste the SP metadata XML</label>
<p class="app-hint" id="sp_metadata-hint">Its entityID and HTTP-POST AssertionConsumerService fill the two fields above where they are empty.</p>
<textarea id="sp_metadata" name="sp_metadata" rows="4" spellcheck="false"${invalid(errors, 'sp_metadata', 'sp_metadata-hint')}>${v.spMetadata}</textarea>
${fieldError(errors, 'sp_metadata')}

<fieldset${invalid(errors, 'name_id_format')}>
<legend>Name ID format</legend>
<div class="app-check"><input type="radio" id="name_id_format_email" name="name_id_format" value="email"${v.nameIdFormat === 'email' ? html` checked` : ''}><label for="name_id_format_email">Email</label></div>
<div class="app-check"><input type="radio" id="name_id_format_id" name="name_id_format" value="id"${v.nameIdFormat === 'id' ? html` checked` : ''}><label for="name_id_format_id">Persistent id (the user's unique id)</label></div>
${fieldError(errors, 'name_id_format')}
</fieldset>

<fieldset class="app-attributes">
<legend>Attribute statements (optional)</legend>
<p class="app-hint">Each row sends a SAML attribute with this name, taken from the user's identity claim (such as <code>email</code>, <code>groups</code> or an OIDC claim). Empty rows are ignored.</p>
${fieldError(errors, 'attributes')}
${rows.map(
  (r, i) => html`<div class="app-attr-row">
<div><label for="attr_name_${i}">Attribute name ${i + 1}</label><input id="attr_name_${i}" name="attr_name_${i}" value="${r.name}" maxlength="1024"${invalid(errors, `attr_${i}`)}></div>
<div><label for="attr_source_${i}">Source claim ${i + 1}</label><input id="attr_source_${i}" name="attr_source_${i}" value="${r.source}" maxlength="256"${invalid(errors, `attr_${i}`)}></div>
</div>
${fieldError(errors, `attr_${i}`)}`,
)}
</fieldset>

<h2>Authentication</h2>
<fieldset id="allowed_idps-group"${invalid(errors, 'allowed_idps', 'allowed_idps-hint')}>
<legend>Login methods allowed</legend>
<p class="app-hint" id="allowed_idps-hint">None selected: every login method is offered.</p>
${choices.idps.map(
  (i) => html`<div class="app-check"><input type="checkbox" id="idp_${i.id}" name="allowed_idps" value="${i.id}"${v.allowedIdps.includes(i.id) ? html` checked` : ''}><label for="idp_${i.id}">${i.name}${i.type === 'onetimepin' ? '' : html` <span class="app-hint">(${i.type})</span>`}</label></div>`,
)}
${choices.idps.length === 0 ? html`<p>No login methods yet.</p>` : ''}
${fieldError(errors, 'allowed_idps')}
</fieldset>
<div class="app-check"><input type="checkbox" id="auto_redirect" name="auto_redirect" value="1"${v.autoRedirect ? html` checked` : ''}${invalid(errors, 'auto_redirect', 'auto_redirect-hint')}><label for="auto_redirect">Instant authentication: skip the login page when exactly one login method is allowed</label></div>
<p class="app-hint" id="auto_redirect-hint">Requires exactly one selected login method.</p>
${fieldError(errors, 'auto_redirect')}

<h2>Policy</h2>
<fieldset>
<legend>Who may sign in</legend>
<div class="app-check"><input type="radio" id="policy_mode_inline" name="policy_mode" value="inline"${v.policyMode === 'inline' ? html` checked` : ''}><label for="policy_mode_inline">Allow these emails or this email domain</label></div>
<div class="app-indent">
<label for="allow_emails">Allow these emails (one per line)</label>
<textarea id="allow_emails" name="allow_emails" rows="3" spellcheck="false"${invalid(errors, 'allow_emails')}>${v.allowEmails}</textarea>
${fieldError(errors, 'allow_emails')}
<label for="allow_domain">Allow this email domain</label>
<input id="allow_domain" name="allow_domain" value="${v.allowDomain}" maxlength="253" placeholder="example.com"${invalid(errors, 'allow_domain')}>
${fieldError(errors, 'allow_domain')}
</div>
<div class="app-check"><input type="radio" id="policy_mode_reusable" name="policy_mode" value="reusable"${v.policyMode === 'reusable' ? html` checked` : ''}><label for="policy_mode_reusable">Use reusable policies</label></div>
<div class="app-indent">
<fieldset id="policies-group"${invalid(errors, 'policies')}>
<legend>Reusable policies</legend>
${choices.policies.map(
  (p) => html`<div class="app-check"><input type="checkbox" id="policy_${p.id}" name="policy_ids" value="${p.id}"${v.policyIds.includes(p.id) ? html` checked` : ''}><label for="policy_${p.id}">${p.name} <span class="app-hint">(${p.decision})</span></label></div>`,
)}
${choices.policies.length === 0 ? html`<p>No reusable policies yet.</p>` : ''}
${fieldError(errors, 'policies')}
</fieldset>
</div>
</fieldset>

<div class="actions"><button type="submit" class="app-submit">Save application</button><a class="button secondary" href="/dashboard/applications/new">Cancel</a></div>
</form>`,
  );
}

export interface AppDetail {
  id: string;
  name: string;
  spEntityId: string;
  consumerServiceUrl: string;
  nameIdFormat: string;
  ssoEndpoint: string;
  idpEntityId: string;
  metadataUrl: string;
  certificatePem: string;
  sha256: string;
  sha1: string;
  loginMethods: string[];
  policies: string[];
  attributes: Array<{ name: string; source: string }>;
  certificates: AppCertificateRow[];
}

/** One signing certificate of the app, as the API's saas_app.saml_certificates lists it. */
export interface AppCertificateRow {
  id: string;
  status: 'active' | 'pending' | 'retired';
  notAfter: string;
  daysUntilExpiry: number;
  expiryWarning: boolean;
  sha256: string;
}

/** What a certificate step's redirect says on the application's page (fixed texts: nothing from the request is echoed). */
export type CertificateNotice = 'created' | 'activated' | 'removed' | 'refused';

const CERTIFICATE_NOTICES: Record<CertificateNotice, string> = {
  created: 'A new certificate was created. It is published in the SAML metadata now: give the service provider the metadata (or download the certificate), then activate it.',
  activated: 'The new certificate is active: every response is signed with it from now on. The previous certificate stays in the metadata until you remove it.',
  removed: 'The certificate was removed from the metadata.',
  refused: 'The certificate change was refused: the certificates changed in the meantime, or the step is not allowed (the active certificate cannot be removed). Check the list below.',
};

const STATUS_LABELS: Record<AppCertificateRow['status'], string> = { active: 'Active', pending: 'Pending', retired: 'Retired' };

function expiryText(c: AppCertificateRow): string {
  if (c.daysUntilExpiry < 0) return 'Expired';
  if (c.daysUntilExpiry === 0) return 'Expires today';
  return `Expires in ${c.daysUntilExpiry} day${c.daysUntilExpiry === 1 ? '' : 's'}`;
}

/** The rollover section: each certificate with status, expiry and warning, and the buttons for the three steps. */
function certificatesSection(a: AppDetail, csrf: string, notice: CertificateNotice | undefined): SafeHtml {
  const warned = a.certificates.filter((c) => c.expiryWarning);
  const hasPending = a.certificates.some((c) => c.status === 'pending');
  const base = `/dashboard/applications/${a.id}/certificates`;
  const short = (c: AppCertificateRow) => c.sha256.slice(0, 11);
  return html`<section aria-labelledby="certificates">
<h2 id="certificates">Signing certificates</h2>
${notice ? html`<p class="notice"${notice === 'refused' ? html` role="alert"` : html` role="status"`} id="certificate-notice">${CERTIFICATE_NOTICES[notice]}</p>` : ''}
${warned.length > 0 ? html`<div class="notice" role="alert" id="certificate-warning">${warned.map((c) => html`<p>The ${c.status} certificate (SHA-256 ${short(c)}…) ${c.daysUntilExpiry < 0 ? 'has expired' : html`expires on ${c.notAfter.slice(0, 10)}, in ${c.daysUntilExpiry} days`}.${c.status === 'active' ? ' Create a new certificate, give the service provider the metadata, then activate it.' : ''}</p>`)}</div>` : ''}
<p class="app-hint">To replace the certificate without an outage: create a new certificate (it is added to the SAML metadata but signs nothing), update the service provider from the metadata, activate the new certificate, and remove the old one once the service provider no longer needs it.</p>
<table><caption>Signing certificates of ${a.name}</caption><thead><tr><th scope="col">Status</th><th scope="col">Expires (UTC)</th><th scope="col">SHA-256 fingerprint</th><th scope="col"><span class="app-sr-only">Actions</span></th></tr></thead><tbody>
${a.certificates.map(
  (c) => html`<tr id="certificate-${c.id}"><td>${STATUS_LABELS[c.status]}</td><td>${c.notAfter.slice(0, 10)} <span class="${c.expiryWarning ? 'app-cert-warning' : 'app-hint'}">${expiryText(c)}</span></td><td><code>${short(c)}…</code></td><td><div class="app-cert-actions">
<a class="button secondary" href="${base}/${c.id}/certificate.crt" download>Download<span class="app-sr-only"> ${STATUS_LABELS[c.status].toLowerCase()} certificate ${short(c)}</span></a>
${c.status === 'active' ? '' : html`<form method="post" action="${base}/${c.id}/activate"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Activate<span class="app-sr-only"> ${STATUS_LABELS[c.status].toLowerCase()} certificate ${short(c)}</span></button></form>
<form method="post" action="${base}/${c.id}/remove"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="app-danger">Remove<span class="app-sr-only"> ${STATUS_LABELS[c.status].toLowerCase()} certificate ${short(c)}</span></button></form>`}
</div></td></tr>`,
)}
</tbody></table>
${hasPending ? '' : html`<form method="post" action="${base}" class="actions"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="app-submit">Create a new certificate</button></form>`}
</section>`;
}

export function appDetailPage(input: { email: string; csrf: string; app: AppDetail; created: boolean; certificateNotice?: CertificateNotice }): string {
  const a = input.app;
  return dashboardPage(
    a.name,
    'applications',
    input.email,
    html`${input.created ? html`<p class="notice" role="status">Application <strong>${a.name}</strong> saved. Give the service provider the values below.</p>` : ''}
<p><a href="/dashboard/applications">Back to applications</a></p>
<h2>Identity provider values for the service provider</h2>
<dl class="facts">
<dt>SSO endpoint</dt><dd><code id="sso-endpoint">${a.ssoEndpoint}</code></dd>
<dt>Access Entity ID or Issuer</dt><dd><code id="idp-entity-id">${a.idpEntityId}</code></dd>
<dt>SAML metadata</dt><dd><a id="metadata-url" href="${a.metadataUrl}">${a.metadataUrl}</a></dd>
<dt>SHA-256 fingerprint</dt><dd><code id="sha256">${a.sha256}</code></dd>
<dt>SHA-1 fingerprint</dt><dd><code id="sha1">${a.sha1}</code></dd>
</dl>
<label for="certificate">Signing certificate (PEM)</label>
<textarea id="certificate" class="app-pem" readonly rows="8" spellcheck="false">${a.certificatePem}</textarea>
<p><a class="button secondary app-inline-button" href="/dashboard/applications/${a.id}/certificate.crt" download>Download certificate (.crt)</a></p>
${certificatesSection(a, input.csrf, input.certificateNotice)}
<h2>Service provider</h2>
<dl class="facts">
<dt>Entity ID</dt><dd><code>${a.spEntityId}</code></dd>
<dt>Assertion Consumer Service URL</dt><dd><code>${a.consumerServiceUrl}</code></dd>
<dt>Name ID format</dt><dd>${a.nameIdFormat === 'email' ? 'Email' : 'Persistent id'}</dd>
<dt>Attribute statements</dt><dd>${a.attributes.length === 0 ? 'None' : html`<ul class="app-plain">${a.attributes.map((x) => html`<li><code>${x.name}</code> ← <code>${x.source}</code></li>`)}</ul>`}</dd>
<dt>Login methods</dt><dd>${a.loginMethods.length === 0 ? 'All login methods' : a.loginMethods.join(', ')}</dd>
<dt>Policies</dt><dd>${a.policies.length === 0 ? 'None (nobody is allowed)' : a.policies.join(', ')}</dd>
</dl>
<form method="post" action="/dashboard/applications/${a.id}/delete" class="actions">
<input type="hidden" name="csrf" value="${input.csrf}">
<button type="submit" class="app-danger">Delete ${a.name}</button>
</form>`,
  );
}
