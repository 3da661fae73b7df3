import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time (user + system, ms) a process has used so far, from /proc: for the cpuPer* probes. */
const ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
export function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / ticks;
}

/** Pids of the processes whose command line matches `pattern` (pgrep -f). */
export const pidsOf = (pattern: string): number[] => execFileSync('pgrep', ['-f', pattern]).toString().trim().split('\n').map(Number);
