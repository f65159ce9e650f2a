import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCommand } from '../../src/cli/export-command.js';
import { importCommand } from '../../src/cli/import-command.js';
import { certificateBase64 } from '../../src/keys/certificate-info.js';
import { startGatehouse, type RunningGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases, type TestDatabase } from '../helpers/test-databases.js';
import { type BuiltConfig, buildConfiguration, COGNITO_SECRET, configVersion, runCli, runInProcess, tempDir, writeExportKey } from './cli-harness.js';

const cases = await dialectCases();
const available = cases.filter((c) => c.available);
const cognitoSeed = readFileSync(new URL('../fixtures/cognito-example-api-configuration.json', import.meta.url), 'utf8');

for (const source of available) {
  // The restore goes to the other dialect when it is there (SQLite -> PostgreSQL and back), else to the same one.
  const target = available.find((c) => c.name !== source.name) ?? source;

  describe(`export and import: ${source.name} -> ${target.name}`, () => {
    let g: RunningGatehouse;
    let built: BuiltConfig;
    let dir: string;
    let keyFile: string;
    const opened: TestDatabase[] = [];
    const fresh = async () => {
      const db = await target.create();
      opened.push(db);
      return db;
    };

    beforeAll(async () => {
      g = await startGatehouse(source);
      built = await buildConfiguration(g, cognitoSeed);
      dir = tempDir();
      keyFile = writeExportKey(dir);
    });
    afterAll(async () => {
      await g?.close();
      for (const db of opened) await db.close();
    });

    it('restores everything with its ids and secrets, and the restored database exports the identical file', async () => {
      const bundleFile = join(dir, 'with-secrets.json');
      // The real command, as an operator runs it.
      const exported = await runCli(['export', '--secrets-key-file', keyFile, '--output', bundleFile], g.db.url);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout).toBe('');
      expect(exported.stderr).toMatch(/secrets included, sealed under key id [0-9a-f]{16}/);
      // A bundle with secrets is written readable by its owner only.
      expect(statSync(bundleFile).mode & 0o777).toBe(0o600);
      const text = readFileSync(bundleFile, 'utf8');
      expect(text).not.toContain(COGNITO_SECRET);
      expect(text).not.toContain('PRIVATE KEY');
      const bundle = JSON.parse(text);
      expect(bundle).toMatchObject({ gatehouse_export: 1, account_id: g.accountId, dashboard_admin_policy_id: built.policyId });
      expect(bundle.identity_providers.map((i: any) => i.id)).toEqual([built.cognitoId, built.samlIdpId]);
      expect(bundle.apps.map((a: any) => a.id)).toEqual([built.awsAppId, built.linkedAppId]);
      expect(bundle.apps[0].policies).toMatchObject([{ name: 'Employees', reusable: false }]);
      expect(bundle.apps[1].policies).toMatchObject([{ id: built.policyId, reusable: true, precedence: 3 }]);
      expect(bundle.lists[0].items.map((i: any) => i.value)).toEqual(['ceo@example.com', 'cfo@example.com']);
      expect(Object.keys(bundle.secrets.identity_providers)).toEqual([built.cognitoId]);
      expect(Object.keys(bundle.secrets.app_signing_keys)).toEqual([built.awsAppId, built.linkedAppId]);
      expect(bundle.secrets.saml_sp_signing_key).toMatch(/^ghx1\./);
      // Exporting again gives the same bytes (a git diff shows only real changes).
      const again = await runInProcess(exportCommand, ['--secrets-key-file', keyFile], g.db.url);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe(text);

      const db = await fresh();
      const imported = await runCli(['import', bundleFile, '--secrets-key-file', keyFile, '--require-secrets'], db.url);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toContain('Imported 2 login methods, 2 apps, 1 reusable policies, 1 groups, 1 lists');
      expect(imported.stderr).not.toContain('Set again');

      const reexported = await runInProcess(exportCommand, ['--secrets-key-file', keyFile], db.url);
      expect(reexported.code, reexported.stderr).toBe(0);
      expect(reexported.stdout).toBe(text);

      // What the SaaS app knows survives: its aud (in its SSO URL), its certificate, hence its metadata.
      for (const appId of [built.awsAppId, built.linkedAppId]) {
        const before = await g.db.store.apps.get(appId);
        const after = await db.store.apps.get(appId);
        expect(after?.aud).toBe(before?.aud);
        const keyBefore = await g.db.store.apps.currentSigningKey(appId);
        const keyAfter = await db.store.apps.currentSigningKey(appId);
        expect(keyAfter?.certificatePem).toBe(keyBefore?.certificatePem);
        expect(keyAfter?.privateKeyPem).toBe(keyBefore?.privateKeyPem);
        const metadata = await (await fetch(`${g.base}/cdn-cgi/access/sso/saml/${before!.aud}/saml-metadata`)).text();
        expect(metadata).toContain(certificateBase64(keyAfter!.certificatePem));
      }
      const cognito = await db.store.idps.get(built.cognitoId);
      expect(cognito?.type === 'oidc' && cognito.config.clientSecret).toBe(COGNITO_SECRET);
      expect(await db.store.settings.get('admin_policy_id')).toBe(built.policyId);
      expect(await db.store.settings.getSecret('saml_sp_signing_key')).toBe(await g.db.store.settings.getSecret('saml_sp_signing_key'));
    });

    it('without a secrets key writes no secret and names what it left out; such a bundle imports with what must be set again', async () => {
      const res = await runInProcess(exportCommand, [], g.db.url);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).not.toContain(COGNITO_SECRET);
      expect(res.stdout).not.toContain('PRIVATE KEY');
      expect(res.stdout).not.toMatch(/ghx1\./);
      const bundle = JSON.parse(res.stdout);
      expect(bundle.identity_providers[0].config.client_secret).toBe('**********');
      expect(bundle.secrets).toEqual({
        omitted: [`identity_providers/${built.cognitoId}/config/client_secret`, `apps/${built.awsAppId}/signing_keys`, `apps/${built.linkedAppId}/signing_keys`, 'settings/saml_sp_signing_key'],
      });
      expect(res.stderr).toContain('Secrets omitted');
      expect(res.stderr).toContain(`identity_providers/${built.cognitoId}/config/client_secret`);

      const file = join(dir, 'no-secrets.json');
      writeFileSync(file, res.stdout);
      const strict = await fresh();
      const refused = await runInProcess(importCommand, [file, '--require-secrets'], strict.url);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--require-secrets');
      expect(refused.stderr).toContain(built.cognitoId);
      expect((await strict.store.idps.list(0, 10)).total).toBe(0);
      expect(await configVersion(strict.store)).toBeUndefined();

      const db = await fresh();
      const imported = await runInProcess(importCommand, [file], db.url);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stderr).toContain(`login method "Amazon Cognito example" (${built.cognitoId}): config.client_secret must be set again`);
      expect(imported.stderr).toContain(`app "AWS" (${built.awsAppId}): its SAML signing key was not in the bundle`);
      expect(imported.stderr).toContain('the SAML SP signing key was not in the bundle');
      const app = await db.store.apps.get(built.awsAppId);
      expect(app?.aud).toBe((await g.db.store.apps.get(built.awsAppId))?.aud);
      const newKey = await db.store.apps.currentSigningKey(built.awsAppId);
      expect(newKey).toBeDefined();
      expect(newKey?.certificatePem).not.toBe((await g.db.store.apps.currentSigningKey(built.awsAppId))?.certificatePem);
      const reexported = JSON.parse((await runInProcess(exportCommand, [], db.url)).stdout);
      // Everything but the new certificate is as it was.
      const strip = (b: any) => ({ ...b, apps: b.apps.map((a: any) => ({ ...a, saas_app: { ...a.saas_app, public_key: '' } })), secrets: undefined });
      expect(strip({ ...reexported, secrets: { omitted: bundle.secrets.omitted.filter((o: string) => !o.includes('client_secret') && !o.includes('saml_sp')) } })).toEqual(strip(bundle));
    });

    it('refuses to import into a database that has configuration, and changes nothing there', async () => {
      const file = join(dir, 'into-live.json');
      writeFileSync(file, (await runInProcess(exportCommand, [], g.db.url)).stdout);
      const version = await configVersion(g.db.store);
      const res = await runInProcess(importCommand, [file], g.db.url);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('Refusing to import: this database already has configuration (2 login methods, 2 apps, 2 policy (policies), 1 group, 1 list)');
      expect(await configVersion(g.db.store)).toBe(version);
      expect((await g.db.store.apps.list(0, 10)).total).toBe(2);
    });

    it('refuses an invalid bundle, reporting every problem with its path, and writes nothing', async () => {
      const bundle = JSON.parse((await runInProcess(exportCommand, [], g.db.url)).stdout);
      bundle.apps[0].saas_app.consumer_service_url = 'not a url';
      bundle.apps[1].allowed_idps = ['00000000-0000-4000-8000-000000000001'];
      bundle.policies[0].include.push({ bogus_rule: {} });
      bundle.groups[0].include = [{ group: { id: '00000000-0000-4000-8000-000000000002' } }];
      bundle.lists[0].items.push({ value: 'not-an-email' });
      bundle.identity_providers[1].config.idp_public_certs = ['not a certificate'];
      bundle.identity_providers[0].config.client_secret = 'in-clear';
      bundle.organization.session_duration = 'forever';
      const file = join(dir, 'invalid.json');
      writeFileSync(file, JSON.stringify(bundle));
      const db = await fresh();
      const res = await runCli(['import', file], db.url);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('The bundle has 8 problems; nothing was written');
      for (const pointer of [
        '/apps/0/saas_app/consumer_service_url',
        '/apps/1/allowed_idps/0',
        '/policies/0/include/2/bogus_rule',
        '/groups/0/include/0/group/id',
        '/lists/0/items/2/value',
        '/identity_providers/1/config/idp_public_certs/0',
        '/identity_providers/0/config/client_secret',
        '/organization/session_duration',
      ]) {
        expect(res.stderr).toContain(`${pointer}: `);
      }
      expect(res.stderr).not.toContain('in-clear');
      expect((await db.store.idps.list(0, 10)).total).toBe(0);
      expect((await db.store.apps.list(0, 10)).total).toBe(0);
      expect(await configVersion(db.store)).toBeUndefined();
    });
  });
}
