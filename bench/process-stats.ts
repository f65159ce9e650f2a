import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU and memory accounting of other processes, read from /proc (Linux only): what the kernel charged to a
 * process, all of its threads included (libuv's thread pool, where node:crypto and WebCrypto work may run).
 */
let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // USER_HZ is 100 on every mainstream Linux build
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a process so far, in milliseconds (resolution: one clock tick, usually 10 ms). */
export function processCpuMs(pid: number): number {
  // The command name (field 2) may contain spaces; every field after its closing parenthesis is numeric.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (field 15) is fields[12].
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
}

/** Peak resident set size of a process so far (VmHWM), in MB. */
export function processPeakRssMb(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

/** Busy and idle time of all CPUs together since boot, from /proc/stat, in ms. */
export function machineCpuMs(): { busy: number; idle: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const ms = 1000 / clockTicks();
  return { busy: (user + nice + system + irq + softirq + steal) * ms, idle: (idle + iowait) * ms };
}

/**
 * Processes whose command line contains `text`: PostgreSQL names each backend after its database
 * ("postgres: postgres <database> 127.0.0.1(port) idle"), so the backends serving one bench database can be found
 * among neighbours' (the test suites use the same server).
 */
export function processesWithCommandLine(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/** CPU ms so far of each process, by pid; a process that is gone is left out. */
export function cpuMsByPid(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      out.set(pid, processCpuMs(pid));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}
