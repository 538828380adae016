// The real service (`npm start`'s entry point) as a child process, for tests of signals, outages and start-up.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const projectDir = fileURLToPath(new URL('../../', import.meta.url));

export type LogLine = { level: number; msg: string; [field: string]: unknown };

export type Service = {
  baseUrl: string;
  pid: number;
  /** Every JSON log line printed so far. */
  logs: LogLine[];
  stderr: () => string;
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
};

export function runService(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: projectDir,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let stderr = '';
  let pending = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line.trim()) logs.push(JSON.parse(line));
    for (const wake of waiters) wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 20_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(match);
        if (!found) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no such log line within ${timeoutMs} ms; stderr: ${stderr}; logs: ${JSON.stringify(logs)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    child,
    pid: child.pid!,
    logs,
    stderr: () => stderr,
    waitForLog,
    exited,
    kill: (signal: NodeJS.Signals) => child.kill(signal),
  };
}

/** Starts the service and waits until it listens. */
export async function startService(env: Record<string, string>): Promise<Service> {
  const service = runService(env);
  const listening = await Promise.race([
    service.waitForLog((line) => line.msg.startsWith('listening on ')),
    service.exited.then((code) => {
      throw new Error(`service exited with ${code} before listening: ${service.stderr()}`);
    }),
  ]).catch((error) => {
    service.kill('SIGKILL'); // the caller never gets it, so nobody else would stop it
    throw error;
  });
  const baseUrl = /http:\/\/[^ ]+/.exec(listening.msg)![0];
  return { ...service, baseUrl };
}
