import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type OidcPeer, startOidcProvider } from '../test/peers/oidc-provider-peer.js';

/**
 * The test suite's oidc-provider peer (panva's certified OpenID Provider playing Amazon Cognito), run in a child
 * process of its own rather than in the bench process. Why a child: the upstream is a separate service in every
 * real deployment, and on this 2-core machine it is one of the three things competing for CPU (Gatehouse, the OP,
 * the load generator). In its own process the kernel accounts its CPU apart from the load generator's, its event
 * loop does not delay the generator's timers, and it can run on the other core while the generator waits.
 *
 * This file is both the parent's handle (startOidcProviderProcess) and the child's entry point: run as a script
 * (node --import tsx bench/oidc-provider-process.ts) it starts the peer with the redirect URIs in
 * BENCH_OIDC_REDIRECT_URIS and prints one JSON line describing it on stdout.
 */
export type OidcProviderProcess = Pick<OidcPeer, 'issuer' | 'authUrl' | 'tokenUrl' | 'certsUrl' | 'clientId' | 'clientSecret'> & {
  pid: number;
  close(): Promise<void>;
};

const SELF = fileURLToPath(import.meta.url);

export async function startOidcProviderProcess(redirectUris: string[]): Promise<OidcProviderProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF], {
    env: { ...process.env, BENCH_OIDC_REDIRECT_URIS: JSON.stringify(redirectUris) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const described = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the oidc-provider process did not start within 30 s')), 30_000);
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve(line);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the oidc-provider process exited with ${code} before it was ready`));
      });
    });
    const peer = JSON.parse(described) as Omit<OidcProviderProcess, 'pid' | 'close'>;
    return { ...peer, pid: child.pid!, close };
  } catch (e) {
    await close();
    throw e;
  }
}

async function runChild(): Promise<void> {
  const redirectUris = JSON.parse(process.env.BENCH_OIDC_REDIRECT_URIS ?? '[]') as string[];
  const peer = await startOidcProvider({ redirectUris });
  const { issuer, authUrl, tokenUrl, certsUrl, clientId, clientSecret } = peer;
  process.stdout.write(`${JSON.stringify({ issuer, authUrl, tokenUrl, certsUrl, clientId, clientSecret })}\n`);
  const stop = () => void peer.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runChild().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
