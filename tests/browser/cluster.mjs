// A real Duplex cluster for browser tests: `duplexctl up --port 0` (broker, nodes, static
// node and nginx on ephemeral loopback ports), read from its READY line, stopped by PID.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const START_TIMEOUT_MS = 30000;
const STOP_TIMEOUT_MS = 15000;

export function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startCluster(args = []) {
  const duplexctl = process.env.DUPLEXCTL;
  if (!duplexctl) throw new Error('DUPLEXCTL is not set (ctest sets it to build/bin/duplexctl)');
  const child = spawn(duplexctl, ['up', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no READY within ${START_TIMEOUT_MS / 1000} s:\n${output.join('\n')}`)), START_TIMEOUT_MS);
    lines.on('line', (line) => {
      output.push(line);
      if (line.startsWith('READY ')) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(6)));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`duplexctl exited with ${code} before READY:\n${output.join('\n')}`));
    });
  });
  return {
    url: ready.url,
    port: ready.port,
    nodes: ready.nodes,   // name -> {pid, port}
    pids: ready.pids,
    output: () => output.join('\n'),
    // SIGKILL one node, as a crash would.
    kill(name) {
      const node = ready.nodes[name];
      if (!node) throw new Error(`no node named ${name}`);
      process.kill(node.pid, 'SIGKILL');
      return node.pid;
    },
    // SIGTERM duplexctl (it stops every child), then check that none is left.
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await once(child, 'exit');
        clearTimeout(timer);
      }
      const deadline = Date.now() + 5000;
      while (ready.pids.some(processAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const left = ready.pids.filter(processAlive);
      for (const pid of left) process.kill(pid, 'SIGKILL');
      if (left.length) throw new Error(`processes left running after duplexctl stopped: ${left.join(', ')}`);
    },
  };
}
