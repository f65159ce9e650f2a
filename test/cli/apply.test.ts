import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/cli/apply-command.js';
import { exportCommand } from '../../src/cli/export-command.js';
import { ExportSealer, exportContext } from '../../src/config-bundle/export-sealer.js';
import { parseMasterKey } from '../../src/secrets/master-key.js';
import { startGatehouse, type RunningGatehouse } from '../helpers/gatehouse-server.js';
import { dialectCases } from '../helpers/test-databases.js';
import { type BuiltConfig, buildConfiguration, COGNITO_SECRET, configVersion, runCli, runInProcess, tempDir, writeExportKey } from './cli-harness.js';

const cases = await dialectCases();
const cognitoSeed = readFileSync(new URL('../fixtures/cognito-example-api-configuration.json', import.meta.url), 'utf8');
const NEW_APP_ID = '5e1b0c3a-9d2f-4e8b-a7c6-0f1e2d3c4b5a';
const NEW_APP_AUD = 'a1'.repeat(32);

for (const dialect of cases) {
  describe.skipIf(!dialect.available)(`gatehouse apply on ${dialect.name}`, () => {
    let g: RunningGatehouse;
    let built: BuiltConfig;
    let dir: string;
    let n = 0;
    const exportNow = async (args: string[] = []) => {
      const res = await runInProcess(exportCommand, args, g.db.url);
      expect(res.code, res.stderr).toBe(0);
      return JSON.parse(res.stdout);
    };
    const write = (bundle: unknown) => {
      const file = join(dir, `bundle-${++n}.json`);
      writeFileSync(file, JSON.stringify(bundle, null, 2));
      return file;
    };
    /** Polls a URL of the running server until it answers `status` (instances see a change within a second). */
    const eventually = async (url: string, status: number) => {
      let last = 0;
      for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        const res = await fetch(url);
        await res.arrayBuffer();
        last = res.status;
        if (last === status) return;
      }
      throw new Error(`${url} answered ${last}, not ${status}`);
    };

    beforeAll(async () => {
      g = await startGatehouse(dialect);
      built = await buildConfiguration(g, cognitoSeed);
      dir = tempDir();
    });
    afterAll(async () => {
      await g?.close();
    });

    it('applying a fresh export plans nothing and writes nothing', async () => {
      const file = write(await exportNow());
      const version = await configVersion(g.db.store);
      const res = await runCli(['apply', file], g.db.url);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toBe('No changes.\n');
      expect(await configVersion(g.db.store)).toBe(version);
    });

    it('--dry-run prints the plan and writes nothing; apply applies it all, the running server serves it, and a second apply changes nothing', async () => {
      const awsAud = (await g.db.store.apps.get(built.awsAppId))!.aud;
      await eventually(`${g.base}/cdn-cgi/access/sso/saml/${awsAud}/saml-metadata`, 200);
      const bundle = await exportNow();
      bundle.groups[0].name = 'Vendors';
      bundle.apps = bundle.apps.filter((a: any) => a.id !== built.awsAppId);
      bundle.lists = [];
      bundle.policies[0].include = bundle.policies[0].include.filter((r: any) => !('email_list' in r));
      bundle.apps.push({
        type: 'saas',
        name: 'New app',
        id: NEW_APP_ID,
        aud: NEW_APP_AUD,
        saas_app: { sp_entity_id: 'urn:new-app', consumer_service_url: 'https://new.example.com/acs' },
        policies: [{ id: built.policyId, precedence: 1 }],
      });
      bundle.organization.name = 'Renamed Team';
      const file = write(bundle);
      const version = await configVersion(g.db.store);

      const plan = [
        'Plan: 1 to create, 3 to update, 2 to delete.',
        `  ~ update group "Vendors" (${built.groupId}): name`,
        `  ~ update policy "Staff" (${built.policyId}): include`,
        `  + create app "New app" (${NEW_APP_ID})`,
        `  - delete app "AWS" (${built.awsAppId})`,
        `  - delete list "VIPs" (${built.listId})`,
        '  ~ update organization "Renamed Team": name',
      ].join('\n');
      const dry = await runCli(['apply', file, '--dry-run'], g.db.url);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toBe(`${plan}\n`);
      expect(dry.stderr).toContain('Dry run: nothing was written.');
      expect(await configVersion(g.db.store)).toBe(version);
      expect((await g.db.store.accessGroups.get(built.groupId))?.name).toBe('Contractors');

      const res = await runInProcess(applyCommand, [file], g.db.url);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toBe(`${plan}\nApplied: 1 created, 3 updated, 2 deleted.\n`);
      expect(await configVersion(g.db.store)).not.toBe(version);
      expect((await g.db.store.accessGroups.get(built.groupId))?.name).toBe('Vendors');
      expect(await g.db.store.accessLists.get(built.listId)).toBeUndefined();
      expect(await g.db.store.apps.get(built.awsAppId)).toBeUndefined();
      expect((await g.db.store.apps.get(NEW_APP_ID))?.aud).toBe(NEW_APP_AUD);
      expect(await g.db.store.apps.currentSigningKey(NEW_APP_ID)).toBeDefined();
      expect((await g.db.store.policies.listForApp(NEW_APP_ID)).map((p) => p.id)).toEqual([built.policyId]);
      // The file held no secret: the stored client secret stays.
      const cognito = await g.db.store.idps.get(built.cognitoId);
      expect(cognito?.type === 'oidc' && cognito.config.clientSecret).toBe(COGNITO_SECRET);

      // The server running on this database serves the change (its caches follow config_version).
      await eventually(`${g.base}/cdn-cgi/access/sso/saml/${NEW_APP_AUD}/saml-metadata`, 200);
      await eventually(`${g.base}/cdn-cgi/access/sso/saml/${awsAud}/saml-metadata`, 404);
      expect((await g.api('/organizations')).body.result.name).toBe('Renamed Team');

      const after = await configVersion(g.db.store);
      const again = await runInProcess(applyCommand, [file], g.db.url);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe('No changes.\n');
      expect(await configVersion(g.db.store)).toBe(after);
    });

    it('refuses a file whose references would dangle, and writes nothing', async () => {
      const bundle = await exportNow();
      // The group goes, but the policy still excludes it.
      bundle.groups = [];
      const file = write(bundle);
      const version = await configVersion(g.db.store);
      const res = await runCli(['apply', file], g.db.url);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain('nothing was written');
      expect(res.stderr).toContain(`/policies/0/exclude/0/group/id: no Access group with id ${built.groupId}`);
      expect(res.stdout).toBe('');
      expect(await configVersion(g.db.store)).toBe(version);
      expect(await g.db.store.accessGroups.get(built.groupId)).toBeDefined();
    });

    it('matches an object without id by name, and never drops the dashboard administrators\' policy', async () => {
      const bundle = await exportNow();
      const { id: _id, uid: _uid, ...group } = bundle.groups[0];
      bundle.groups = [{ ...group, include: [{ email_domain: { domain: 'vendor.example' } }] }];
      const res = await runInProcess(applyCommand, [write(bundle), '--dry-run'], g.db.url);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toBe(`Plan: 0 to create, 1 to update, 0 to delete.\n  ~ update group "Vendors" (${built.groupId}): include\n`);

      bundle.dashboard_admin_policy_id = null;
      const refused = await runInProcess(applyCommand, [write(bundle)], g.db.url);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('/dashboard_admin_policy_id: is required');
    });

    it('takes secrets only sealed, compares them without printing them, and keeps the signing keys it was given', async () => {
      const keyFile = writeExportKey(dir, 'apply.key');
      const bundle = await exportNow(['--secrets-key-file', keyFile]);
      const version = await configVersion(g.db.store);
      expect((await runInProcess(applyCommand, [write(bundle), '--secrets-key-file', keyFile], g.db.url)).stdout).toBe('No changes.\n');
      expect(await configVersion(g.db.store)).toBe(version);

      const sealer = new ExportSealer(parseMasterKey(readFileSync(keyFile, 'utf8'), 'test'));
      bundle.secrets.identity_providers[built.cognitoId].client_secret = sealer.seal('rotated-secret-456', exportContext.idpClientSecret(built.cognitoId));
      const res = await runInProcess(applyCommand, [write(bundle), '--secrets-key-file', keyFile], g.db.url);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain(`~ update login method "Amazon Cognito example" (${built.cognitoId}): config.client_secret`);
      expect(res.stdout + res.stderr).not.toContain('rotated-secret-456');
      const cognito = await g.db.store.idps.get(built.cognitoId);
      expect(cognito?.type === 'oidc' && cognito.config.clientSecret).toBe('rotated-secret-456');

      // A sealed value moved to another object does not open there.
      bundle.secrets.identity_providers = { [built.samlIdpId]: bundle.secrets.identity_providers[built.cognitoId] };
      const moved = await runInProcess(applyCommand, [write(bundle), '--secrets-key-file', keyFile], g.db.url);
      expect(moved.code).toBe(2);
      expect(moved.stderr).toContain(`/secrets/identity_providers/${built.samlIdpId}/client_secret: a sealed secret`);
      // A secret in clear is refused, and not echoed.
      bundle.secrets = {};
      bundle.identity_providers[0].config.client_secret = 'clear-text-secret';
      const clear = await runInProcess(applyCommand, [write(bundle)], g.db.url);
      expect(clear.code).toBe(2);
      expect(clear.stderr).toContain('/identity_providers/0/config/client_secret: secrets are never read in clear');
      expect(clear.stderr).not.toContain('clear-text-secret');
    });
  });
}
