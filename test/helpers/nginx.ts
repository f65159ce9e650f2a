import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { REPO_ROOT } from './spawn-gatehouse.js';

/**
 * Debian's nginx as a child process, running docs/deploy/nginx.conf — the file the README shows — in front of test
 * instances. The site file is used as it is; only the values its comments mark "test:" (ports, certificate and log
 * paths) are substituted, and a missing one fails, so the documentation cannot drift from what the test runs. The
 * process-level settings Debian's /etc/nginx/nginx.conf would provide (pid, error log, temp paths) come from a small
 * wrapper in a temp dir.
 */
export const NGINX = '/usr/sbin/nginx';
export const NGINX_SITE = join(REPO_ROOT, 'docs/deploy/nginx.conf');

function detectNginx(): boolean {
  if (existsSync(NGINX)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true requires nginx at ${NGINX} (Debian package "nginx"; .ci/run installs it)`);
  console.warn(`[tests] ${NGINX} not found; the nginx suites are skipped (they are required when CI=true). Install: apt-get install nginx`);
  return false;
}

/** Whether the nginx suites can run: `describe.skipIf(!nginxAvailable)`. Throws with CI=true. */
export const nginxAvailable = detectNginx();

export interface AccessLogLine {
  method: string;
  path: string;
  status: number;
  /** host:port of the instance that answered (the last one, when nginx moved on after a failure). */
  upstream: string;
  /** Every upstream nginx tried for this request, in order. */
  upstreams: string[];
}

export interface RunningNginx {
  /** https://127.0.0.1:<port>: what GATEHOUSE_URL names. */
  base: string;
  httpPort: number;
  httpsPort: number;
  /** The self-signed certificate nginx serves (PEM), for the test's TLS client. */
  certificatePem: string;
  /** The access log, parsed (docs/deploy/nginx.conf's `gatehouse` format). */
  accessLog(): AccessLogLine[];
  stop(): Promise<void>;
}

export interface NginxPorts {
  /** The HTTPS port GATEHOUSE_URL uses: choose it (freePort) before starting the instances. */
  httpsPort: number;
  upstreams: [number, number];
}

/** The site file with the test's values in place of the marked production ones. */
export function renderSite(site: string, values: { upstreams: [number, number]; httpPort: number; httpsPort: number; cert: string; key: string; accessLog: string }): string {
  const substitutions: Array<[string, string]> = [
    ['server 127.0.0.1:8081 max_fails=1 fail_timeout=3s;  # test: instance A', `server 127.0.0.1:${values.upstreams[0]} max_fails=1 fail_timeout=3s;`],
    ['server 127.0.0.1:8082 max_fails=1 fail_timeout=3s;  # test: instance B', `server 127.0.0.1:${values.upstreams[1]} max_fails=1 fail_timeout=3s;`],
    ['listen 80;  # test: plain-HTTP port', `listen 127.0.0.1:${values.httpPort};`],
    ['listen 443 ssl;  # test: HTTPS port', `listen 127.0.0.1:${values.httpsPort} ssl;`],
    ['/etc/ssl/certs/gatehouse.example.com.pem;    # test: certificate', `${values.cert};`],
    ['/etc/ssl/private/gatehouse.example.com.key;  # test: private key', `${values.key};`],
    ['/var/log/nginx/gatehouse.access.log gatehouse;  # test: access log', `${values.accessLog} gatehouse;`],
  ];
  let out = site;
  for (const [from, to] of substitutions) {
    const count = out.split(from).length - 1;
    if (count !== 1) throw new Error(`docs/deploy/nginx.conf must contain "${from}" exactly once (found ${count}): the test substitutes it`);
    out = out.replace(from, to);
  }
  if (/# test:/.test(out)) throw new Error('docs/deploy/nginx.conf has a "# test:" mark the test does not substitute');
  return out;
}

export async function startNginx(ports: NginxPorts): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-'));
  // nginx's workers drop to an unprivileged user when started as root: they must reach the temp paths.
  chmodSync(dir, 0o755);
  const httpPort = await freePort();
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
    stdio: 'ignore',
  });
  const accessLog = join(dir, 'access.log');
  writeFileSync(join(dir, 'site.conf'), renderSite(readFileSync(NGINX_SITE, 'utf8'), { upstreams: ports.upstreams, httpPort, httpsPort: ports.httpsPort, cert, key, accessLog }));
  // What Debian's /etc/nginx/nginx.conf provides around a site file; the site file itself is the documented one.
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    access_log off;
    include ${dir}/site.conf;
}
`,
  );
  const args = ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'];
  execFileSync(NGINX, [...args.slice(0, 6), '-t', '-q'], { stdio: 'pipe' });
  const child: ChildProcess = spawn(NGINX, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += String(c)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const base = `https://127.0.0.1:${ports.httpsPort}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr} ${readIfExists(join(dir, 'error.log'))}`);
    if (await listening(httpPort)) break;
    if (Date.now() > deadline) throw new Error(`nginx did not listen within 10 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    httpPort,
    httpsPort: ports.httpsPort,
    certificatePem: readFileSync(cert, 'utf8'),
    accessLog: () => parseAccessLog(readIfExists(accessLog)),
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        // SIGQUIT: nginx's graceful stop; SIGKILL if it lingers.
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function parseAccessLog(text: string): AccessLogLine[] {
  const out: AccessLogLine[] = [];
  for (const line of text.split('\n')) {
    const m = /"(\w+) (\S+)" (\d{3}) \d+ upstream=(\S+(?:, \S+)*) upstream_status=/.exec(line);
    if (!m) continue;
    const upstreams = m[4]!.split(', ').filter((u) => u !== '-');
    out.push({ method: m[1]!, path: m[2]!, status: Number(m[3]), upstream: upstreams[upstreams.length - 1] ?? '-', upstreams });
  }
  return out;
}

async function listening(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual', signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Makes this test process's fetch trust nginx's self-signed certificate (and only it: no other TLS server is
 * contacted by these tests). undici's global dispatcher is the one Node's built-in fetch uses.
 */
export async function trustCertificateForFetch(certificatePem: string): Promise<void> {
  const { Agent, setGlobalDispatcher } = await import('undici');
  setGlobalDispatcher(new Agent({ connect: { ca: certificatePem } }));
}
