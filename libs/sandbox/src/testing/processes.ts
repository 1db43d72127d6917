import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** One host process as /proc shows it (test helper: checks that nothing a run started is left behind). */
export interface HostProcess {
  pid: number;
  ppid: number;
  uid: number;
  /** e.g. `pid:[4026532201]`; undefined if the process vanished while being read. */
  pidNamespace?: string;
}

function readProcess(pid: number): HostProcess | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    let pidNamespace: string | undefined;
    try {
      pidNamespace = readlinkSync(`/proc/${pid}/ns/pid`);
    } catch {
      pidNamespace = undefined;
    }
    return { pid, ppid, uid, pidNamespace };
  } catch {
    return undefined; // exited meanwhile
  }
}

export function listProcesses(): HostProcess[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((process): process is HostProcess => process !== undefined);
}

/** Processes whose parent chain leads to `ancestor`. */
export function descendantsOf(ancestor: number, processes = listProcesses()): HostProcess[] {
  const byPid = new Map(processes.map((process) => [process.pid, process]));
  return processes.filter((process) => {
    for (let p = byPid.get(process.ppid); p; p = byPid.get(p.ppid)) {
      if (p.pid === ancestor) return true;
      if (p.ppid === p.pid) break;
    }
    return process.ppid === ancestor;
  });
}

/** Polls `read` until it returns an empty list or `withinMs` passes; returns the last list. */
export async function untilEmpty<T>(read: () => T[], withinMs = 3000): Promise<T[]> {
  const deadline = Date.now() + withinMs;
  let items = read();
  while (items.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    items = read();
  }
  return items;
}
