import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../../src/cli/cli-error.js';
import type { CommandIo } from '../../src/config-bundle/command-io.js';
import { generateMasterKeyText } from '../../src/secrets/master-key.js';
import { CONFIG_VERSION_KEY, type Store } from '../../src/store/store.js';
import { makeTestCertificate } from '../helpers/test-certificate.js';
import type { RunningGatehouse } from '../helpers/gatehouse-server.js';
import { REPO_ROOT } from '../helpers/spawn-gatehouse.js';
import { TEST_SECRET_KEY_TEXT } from '../helpers/test-databases.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The public URL every command of these tests runs with, so that derived fields (redirect_url, …) agree. */
export const CLI_PUBLIC_URL = 'https://gatehouse.example.test';

/** The environment of a command on `databaseUrl`: the same secret key as the test databases. */
export function cliEnv(databaseUrl: string): Record<string, string> {
  return { DATABASE_URL: databaseUrl, GATEHOUSE_SECRET_KEY: TEST_SECRET_KEY_TEXT, GATEHOUSE_URL: CLI_PUBLIC_URL, NODE_ENV: 'test' };
}

/** The real `gatehouse` command as a child process (`node --import tsx src/cli.ts …`), in a clean environment. */
export function runCli(args: string[], databaseUrl: string): Promise<CliResult> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TMPDIR: process.env.TMPDIR ?? '/tmp', ...cliEnv(databaseUrl) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

type Command = (args: string[], env: NodeJS.ProcessEnv, io: CommandIo) => Promise<void>;

/** A command run in this process, with the exit status src/cli.ts would give (2 usage/validation, 1 other). */
export async function runInProcess(command: Command, args: string[], databaseUrl: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = { out: (t) => void (stdout += t), err: (t) => void (stderr += t) };
  try {
    await command(args, cliEnv(databaseUrl), io);
    return { code: 0, stdout, stderr };
  } catch (e) {
    return { code: e instanceof CliError ? 2 : 1, stdout, stderr: `${stderr}${(e as Error).message}\n` };
  }
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
}

/** A fresh export key file, in the format `gatehouse secret-key generate` prints. */
export function writeExportKey(dir: string, name = 'export.key'): string {
  const file = join(dir, name);
  writeFileSync(file, `${generateMasterKeyText()}\n`, { mode: 0o600 });
  return file;
}

export async function configVersion(store: Store): Promise<string | undefined> {
  return store.settings.get(CONFIG_VERSION_KEY);
}

export const COGNITO_SECRET = 'very-secret-value-123';

/** Admin API calls outside /access (Gateway lists). */
export async function gatewayApi(g: RunningGatehouse, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${g.base}/client/v4/accounts/${g.accountId}/gateway${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${g.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

export interface BuiltConfig {
  cognitoId: string;
  samlIdpId: string;
  groupId: string;
  listId: string;
  policyId: string;
  awsAppId: string;
  linkedAppId: string;
}

/**
 * A realistic configuration, made through the real admin API: Cognito (the guide's example configuration with its
 * client secret), a SAML login method, a SAML SaaS app with custom attributes and an app-scoped policy, a reusable
 * policy (using a group and an email list) linked to a second app, organization settings, the dashboard
 * administrators' policy, and the SP signing key (made on first use of the SP metadata).
 */
export async function buildConfiguration(g: RunningGatehouse, cognitoSeed: string): Promise<BuiltConfig> {
  const ok = (res: { status: number; body: any }) => {
    if (res.status !== 200) throw new Error(`admin API answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.result;
  };
  const cognito = ok(
    await g.api('/identity_providers', {
      body: JSON.parse(
        cognitoSeed
          .replaceAll('<your client id>', '7s2kf0example')
          .replaceAll('<your client secret>', COGNITO_SECRET)
          .replaceAll('<your user pool domain>', 'auth.example.com')
          .replaceAll('<region>', 'eu-central-1')
          .replaceAll('<your user pool ID>', 'eu-central-1_AbCdEf'),
      ),
    }),
  );
  const idpCert = await makeTestCertificate({ commonName: 'Upstream IdP' });
  const saml = ok(
    await g.api('/identity_providers', {
      body: {
        name: 'AWS IAM Identity Center',
        type: 'saml',
        config: {
          issuer_url: 'https://portal.sso.eu-central-1.amazonaws.com/saml/assertion/example',
          sso_target_url: 'https://portal.sso.eu-central-1.amazonaws.com/saml/sso?x=1',
          idp_public_certs: [idpCert.certificatePem],
          sign_request: true,
          email_attribute_name: 'email',
          attributes: ['email', 'groups'],
          header_attributes: [{ attribute_name: 'groups', header_name: 'X-Groups' }],
        },
      },
    }),
  );
  const group = ok(await g.api('/groups', { body: { name: 'Contractors', include: [{ email_domain: { domain: 'contractor.example' } }] } }));
  const list = ok(await gatewayApi(g, '/lists', { name: 'VIPs', type: 'EMAIL', description: 'people who may', items: [{ value: 'ceo@example.com' }, { value: 'cfo@example.com', description: 'money' }] }));
  const policy = ok(
    await g.api('/policies', {
      body: {
        name: 'Staff',
        decision: 'allow',
        include: [{ email_domain: { domain: 'example.com' } }, { email_list: { id: list.id } }],
        exclude: [{ group: { id: group.id } }],
        require: [{ login_method: { id: cognito.id } }],
        session_duration: '8h',
      },
    }),
  );
  const aws = ok(
    await g.api('/apps', {
      body: {
        type: 'saas',
        name: 'AWS',
        allowed_idps: [cognito.id, saml.id],
        app_launcher_visible: true,
        session_duration: '12h',
        saas_app: {
          auth_type: 'saml',
          sp_entity_id: 'https://signin.aws.amazon.com/saml',
          consumer_service_url: 'https://signin.aws.amazon.com/saml',
          name_id_format: 'email',
          default_relay_state: 'https://console.aws.amazon.com/',
          custom_attributes: [
            { name: 'https://aws.amazon.com/SAML/Attributes/RoleSessionName', source: { name: 'email' } },
            {
              name: 'https://aws.amazon.com/SAML/Attributes/Role',
              name_format: 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
              friendly_name: 'Role',
              required: true,
              source: { name: 'groups', name_by_idp: [{ idp_id: saml.id, source_name: 'memberOf' }] },
            },
          ],
        },
        policies: [{ name: 'Employees', decision: 'allow', include: [{ email_domain: { domain: 'example.com' } }], exclude: [{ group: { id: group.id } }] }],
      },
    }),
  );
  const linked = ok(
    await g.api('/apps', {
      body: {
        type: 'saas',
        name: 'Grafana',
        auto_redirect_to_identity: true,
        allowed_idps: [cognito.id],
        saas_app: { sp_entity_id: 'grafana', consumer_service_url: 'https://grafana.example.com/saml/acs', name_id_format: 'id' },
        policies: [{ id: policy.id, precedence: 3 }],
      },
    }),
  );
  ok(await g.api('/organizations', { method: 'PUT', body: { name: 'Example Team', session_duration: '12h', login_design: { background_color: '#112233', header_text: 'Welcome' } } }));
  await g.db.store.changeConfig((tx) => tx.settings.set('admin_policy_id', policy.id));
  const sp = await fetch(`${g.base}/cdn-cgi/access/saml-metadata`);
  if (sp.status !== 200) throw new Error(`SP metadata answered ${sp.status}`);
  await sp.arrayBuffer();
  return { cognitoId: cognito.id, samlIdpId: saml.id, groupId: group.id, listId: list.id, policyId: policy.id, awsAppId: aws.id, linkedAppId: linked.id };
}
