import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { del, getitem, makeGateway, resolve, setitem } from '../../api';
import { parseCommand } from '../options';
import * as W from './workloads';

/**
 * `remote-exec bench` (`npm run bench`): our figures and our peers', measured side by side in one run on
 * this machine, printed as tables with ratios. Peers come from Debian (python3-execnet, python3-rpyc)
 * and npm (pythonia), installed here when missing; a peer that cannot be had is reported, not faked.
 */
type Row = {
  metric: string;
  ours: number | undefined;
  peer?: number | undefined;
  unit: string;
  better: 'lower' | 'higher';
  target?: string;
};

export const HELP = `usage: remote-exec bench [--quick] [--json]

Measures round trips, one-way messages, payloads, proxies, remote prints and ssh on this machine, beside
execnet, RPyC and pythonia in the same run, and prints tables with the ratios and targets. Peers
missing here are installed from Debian and npm first (or reported as missing).

  --quick   a fifth of the iterations
  --json    print the report as JSON`;

const SYSTEM_PYTHON = '/usr/bin/python3';

export async function commandBench(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { quick: { type: 'boolean' }, json: { type: 'boolean' } }, false);
  const scale = values.quick ? 0.2 : 1;
  const n = {
    rtt: Math.round(10000 * scale),
    oneway: Math.round(200000 * scale),
    m1: Math.max(5, Math.round(100 * scale)),
    m16: Math.max(2, Math.round(10 * scale)),
    proxy: Math.round(3000 * scale),
    release: Math.round(20000 * scale),
  };
  const report: Record<string, Row[]> = {};
  const notes: string[] = [];
  const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

  const pySpec = `popen//python=${SYSTEM_PYTHON}`;
  log(`channels: remote-exec ${pySpec}`);
  const ours = await channelFigures(pySpec, W.workloads('python'), n);
  log('channels: execnet');
  const py = W.workloadPaths('python');
  const execnet = ensureDebianPython('execnet', 'python3-execnet', notes)
    ? runJson(
        SYSTEM_PYTHON,
        [
          W.peerScript('execnet_bench.py'),
          ...[pySpec, n.rtt, n.oneway, n.m1, n.m16].map(String),
          ...[py.echo, py.sink, py.source, py.payloadSink, py.payloadSource],
        ],
        notes,
        'execnet',
      )
    : undefined;
  report['Python agent vs execnet (same interpreter, popen)'] = channelRows(ours, execnet, true);

  log('channels: Node agent');
  try {
    const node = await channelFigures('popen//node=node', W.workloads('node'), n);
    report['Node agent beside the Python agent (peer column: Python agent)'] = channelRows(node, ours, false);
  } catch (err) {
    notes.push(`Node agent: ${(err as Error).message}`);
  }

  log('proxies: remote-exec');
  const proxies = await proxyFigures(pySpec, n.proxy, n.release);
  log('proxies: RPyC classic');
  const rpyc = ensureDebianPython('rpyc', 'python3-rpyc', notes)
    ? runJson(SYSTEM_PYTHON, [W.peerScript('rpyc_bench.py'), String(n.proxy)], notes, 'RPyC')
    : undefined;
  report['Proxies vs RPyC classic (subprocess)'] = proxyRows(proxies, rpyc);
  log('proxies: pythonia');
  const pythonia = runPythonia(n.proxy, notes);
  report['Proxies vs pythonia (npm)'] = proxyRows(proxies, pythonia).filter((r) => !r.metric.startsWith('release'));

  log('ssh');
  const ssh = await sshFigures(n.rtt, notes);
  if (ssh) report['SSH gateways (OpenSSH on 127.0.0.1)'] = ssh;

  if (values.json) process.stdout.write(JSON.stringify({ machine: machine(), report, notes }, null, 2) + '\n');
  else printReport(report, notes);
  return 0;
}

type ChannelFigures = Record<'start_ms' | 'rtt_us' | 'h2a_msgs' | 'a2h_msgs' | 'h2a_1m' | 'a2h_1m' | 'h2a_16m' | 'a2h_16m', number>;

async function channelFigures(spec: string, workloads: W.Workloads, n: Record<string, number>): Promise<ChannelFigures> {
  const starts: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = now();
    const g = await makeGateway(spec);
    await g.remoteExec('channel.send(1)').receive();
    starts.push(now() - t);
    await g.exit();
  }
  const gw = await makeGateway(spec);
  try {
    const out = { start_ms: median(starts) } as ChannelFigures;
    let ch = gw.remoteExec(workloads.echo);
    for (let i = 0; i < 200; i++) {
      ch.send(i);
      await ch.receive();
    }
    let t = now();
    for (let i = 0; i < n.rtt; i++) {
      ch.send(i);
      await ch.receive();
    }
    out.rtt_us = ((now() - t) / n.rtt) * 1000;
    ch.close();

    ch = gw.remoteExec(workloads.sink);
    t = now();
    for (let i = 0; i < n.oneway; i++) {
      const p = ch.send(i);
      if (i % 4096 === 0) await p;
    }
    ch.send(null);
    const counted = await ch.receive();
    if (counted !== n.oneway) throw new Error(`one-way: the agent counted ${counted} of ${n.oneway}`);
    out.h2a_msgs = n.oneway / ((now() - t) / 1000);

    ch = gw.remoteExec(workloads.source);
    t = now();
    await ch.send(n.oneway);
    for (let i = 0; i < n.oneway; i++) await ch.receive();
    out.a2h_msgs = n.oneway / ((now() - t) / 1000);

    for (const [size, count, key] of [
      [1 << 20, n.m1, '1m'],
      [16 << 20, n.m16, '16m'],
    ] as const) {
      const data = Buffer.alloc(size, 120);
      ch = gw.remoteExec(workloads.payloadSink);
      t = now();
      for (let i = 0; i < count; i++) await ch.send(data);
      ch.send(null);
      const total = await ch.receive();
      if (total !== size * count) throw new Error(`payload: the agent counted ${total} bytes of ${size * count}`);
      out[`h2a_${key}`] = (size * count) / ((now() - t) / 1000) / (1 << 20);
      ch = gw.remoteExec(workloads.payloadSource);
      t = now();
      await ch.send([size, count]);
      for (let i = 0; i < count; i++) await ch.receive();
      out[`a2h_${key}`] = (size * count) / ((now() - t) / 1000) / (1 << 20);
    }
    return out;
  } finally {
    await gw.exit();
  }
}

function channelRows(ours: ChannelFigures, peer: Partial<ChannelFigures> | undefined, withTargets: boolean): Row[] {
  const t = (s: string) => (withTargets ? s : undefined);
  return [
    {
      metric: 'gateway start to first result',
      ours: ours.start_ms,
      peer: peer?.start_ms,
      unit: 'ms',
      better: 'lower',
      target: t('≤ 1.0×'),
    },
    { metric: 'channel ping-pong round trip', ours: ours.rtt_us, peer: peer?.rtt_us, unit: 'µs', better: 'lower', target: t('≤ 0.4×') },
    {
      metric: 'one-way small messages, host → agent',
      ours: ours.h2a_msgs,
      peer: peer?.h2a_msgs,
      unit: 'msg/s',
      better: 'higher',
      target: t('≥ 2×'),
    },
    {
      metric: 'one-way small messages, agent → host',
      ours: ours.a2h_msgs,
      peer: peer?.a2h_msgs,
      unit: 'msg/s',
      better: 'higher',
      target: t('≥ 2×'),
    },
    {
      metric: '1 MiB payloads, host → agent',
      ours: ours.h2a_1m,
      peer: peer?.h2a_1m,
      unit: 'MiB/s',
      better: 'higher',
      target: t('≥ 1536 MiB/s'),
    },
    {
      metric: '1 MiB payloads, agent → host',
      ours: ours.a2h_1m,
      peer: peer?.a2h_1m,
      unit: 'MiB/s',
      better: 'higher',
      target: t('≥ 1536 MiB/s'),
    },
    {
      metric: '16 MiB payloads, host → agent',
      ours: ours.h2a_16m,
      peer: peer?.h2a_16m,
      unit: 'MiB/s',
      better: 'higher',
      target: t('≥ 1536 MiB/s'),
    },
    {
      metric: '16 MiB payloads, agent → host',
      ours: ours.a2h_16m,
      peer: peer?.a2h_16m,
      unit: 'MiB/s',
      better: 'higher',
      target: t('≥ 1536 MiB/s'),
    },
  ];
}

type ProxyFigures = Record<'attr_us' | 'call_us' | 'chain_us' | 'setget_us' | 'release_per_s', number>;

async function proxyFigures(spec: string, count: number, releases: number): Promise<ProxyFigures> {
  const gw = await makeGateway(spec);
  try {
    const sys = await gw.wrap('sys');
    const operator = await gw.wrap('operator');
    const time = await gw.wrap('time');
    const builtins = await gw.wrap('builtins');
    // builtins.dict() is plain data and would come back by value; the workload needs the live dict.
    const dict = await resolve(builtins.dict(), 'proxy');
    const perCall = async (fn: () => Promise<unknown>) => {
      for (let i = 0; i < 50; i++) await fn();
      const t = now();
      for (let i = 0; i < count; i++) await fn();
      return ((now() - t) / count) * 1000;
    };
    const out = {} as ProxyFigures;
    out.attr_us = await perCall(() => sys.maxsize);
    out.call_us = await perCall(() => operator.add(1, 2));
    out.chain_us = await perCall(() => time.gmtime(0).tm_year);
    out.setget_us = await perCall(async () => {
      await setitem(dict, 'x', 1);
      return getitem(dict, 'x');
    });
    const objects: unknown[] = [];
    for (let i = 0; i < releases; i += 500) objects.push(...(await Promise.all(Array.from({ length: 500 }, () => builtins.object()))));
    const t = now();
    await Promise.all(objects.map((o) => del(o)));
    await gw.remoteStatus();
    out.release_per_s = releases / ((now() - t) / 1000);
    return out;
  } finally {
    await gw.exit();
  }
}

function proxyRows(ours: ProxyFigures, peer: Partial<ProxyFigures> | undefined): Row[] {
  return [
    { metric: 'attribute read', ours: ours.attr_us, peer: peer?.attr_us, unit: 'µs', better: 'lower' },
    { metric: 'method call', ours: ours.call_us, peer: peer?.call_us, unit: 'µs', better: 'lower' },
    { metric: 'three-step chain time.gmtime(0).tm_year', ours: ours.chain_us, peer: peer?.chain_us, unit: 'µs', better: 'lower' },
    { metric: 'setitem + getitem', ours: ours.setget_us, peer: peer?.setget_us, unit: 'µs', better: 'lower' },
    { metric: 'release throughput', ours: ours.release_per_s, peer: peer?.release_per_s, unit: 'obj/s', better: 'higher' },
  ];
}

async function sshFigures(rtt: number, notes: string[]): Promise<Row[] | undefined> {
  const script = path.join(__dirname, '..', 'scripts', 'start-sshd.sh');
  if (!fs.existsSync(script)) {
    notes.push('ssh: scripts/start-sshd.sh is not here (run the bench from the repository)');
    return undefined;
  }
  const started = spawnSync('bash', [script], { encoding: 'utf8', timeout: 180000 });
  if (started.status !== 0) {
    notes.push(`ssh: no test sshd: ${started.stderr.trim().split('\n').pop()}`);
    return undefined;
  }
  const vars: Record<string, string> = {};
  for (const line of started.stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  const spec = `ssh=${vars.SSHD_USER}@127.0.0.1:${vars.SSHD_PORT}//python=python3`;
  const saved = process.env.REMOTE_EXEC_SSH_OPTIONS;
  try {
    const startOnce = async () => {
      const t = now();
      const g = await makeGateway(spec);
      await g.remoteExec('channel.send(1)').receive();
      const ms = now() - t;
      await g.exit();
      return ms;
    };
    process.env.REMOTE_EXEC_SSH_OPTIONS = `${vars.SSH_OPTIONS} -o ControlMaster=no -o ControlPath=none`;
    const cold: number[] = [];
    for (let i = 0; i < 5; i++) cold.push(await startOnce());
    process.env.REMOTE_EXEC_SSH_OPTIONS = vars.SSH_OPTIONS;
    const master = await makeGateway(spec);
    const shared: number[] = [];
    for (let i = 0; i < 5; i++) shared.push(await startOnce());
    const ch = master.remoteExec(W.workloads('python').echo);
    for (let i = 0; i < 100; i++) {
      ch.send(i);
      await ch.receive();
    }
    const count = Math.max(1000, Math.round(rtt / 5));
    const t = now();
    for (let i = 0; i < count; i++) {
      ch.send(i);
      await ch.receive();
    }
    const rttUs = ((now() - t) / count) * 1000;
    ch.close();
    await master.exit();
    return [
      { metric: 'start, fresh connection', ours: median(cold), unit: 'ms', better: 'lower' },
      { metric: 'start, shared connection (ControlMaster)', ours: median(shared), peer: median(cold), unit: 'ms', better: 'lower' },
      { metric: 'channel ping-pong round trip over ssh', ours: rttUs, unit: 'µs', better: 'lower' },
    ];
  } finally {
    process.env.REMOTE_EXEC_SSH_OPTIONS = saved;
    try {
      process.kill(Number(vars.SSHD_PID));
    } catch {
      // Already gone.
    }
    try {
      execFileSync(
        'ssh',
        [
          '-O',
          'exit',
          '-o',
          `ControlPath=/tmp/remote-exec-${process.getuid?.()}/cm-%C`,
          `${vars.SSHD_USER}@127.0.0.1`,
          '-p',
          vars.SSHD_PORT,
        ],
        { stdio: 'ignore' },
      );
    } catch {
      // No master left.
    }
    fs.rmSync(vars.SSHD_DIR, { recursive: true, force: true });
  }
}

function ensureDebianPython(module: string, pkg: string, notes: string[]): boolean {
  const has = () => spawnSync(SYSTEM_PYTHON, ['-c', `import ${module}`]).status === 0;
  if (has()) return true;
  if (process.getuid?.() === 0) {
    process.stderr.write(`bench: installing Debian's ${pkg}\n`);
    spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (!has()) {
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    }
  }
  if (has()) return true;
  notes.push(`${module}: not installed and ${pkg} could not be installed (needs root and Debian's repositories)`);
  return false;
}

function runPythonia(count: number, notes: string[]): Partial<ProxyFigures> | undefined {
  const dir = path.join(os.tmpdir(), 'remote-exec-bench-peers');
  const script = path.join(dir, 'pythonia-bench.js');
  if (!fs.existsSync(path.join(dir, 'node_modules', 'pythonia'))) {
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.existsSync(path.join(dir, 'package.json'))) fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}');
    process.stderr.write('bench: installing pythonia from npm\n');
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', 'pythonia'], { cwd: dir, encoding: 'utf8', timeout: 180000 });
    if (r.status !== 0) {
      notes.push(`pythonia: npm install failed: ${(r.stderr || '').trim().split('\n').pop()}`);
      return undefined;
    }
  }
  // Copied beside the package, so that its require('pythonia') resolves there.
  fs.copyFileSync(W.peerScript('pythonia_bench.js'), script);
  return runJson(process.execPath, [script, String(count)], notes, 'pythonia', {
    cwd: dir,
    env: { ...process.env, PATH: `${path.dirname(SYSTEM_PYTHON)}:${process.env.PATH}` },
  });
}

function runJson(cmd: string, args: string[], notes: string[], name: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): any {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600000, maxBuffer: 1 << 24, ...options });
  const line = (r.stdout || '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    notes.push(`${name}: did not run: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' ')}`);
    return undefined;
  }
}

function printReport(report: Record<string, Row[]>, notes: string[]): void {
  const out: string[] = [`machine: ${machine()}`, ''];
  for (const [title, rows] of Object.entries(report)) {
    out.push(`## ${title}`, '', '| metric | remote-exec | peer | ratio | target |', '| --- | ---: | ---: | ---: | --- |');
    for (const r of rows) {
      const ratio = r.ours !== undefined && r.peer !== undefined && r.peer > 0 ? `${(r.ours / r.peer).toFixed(2)}×` : '–';
      out.push(
        `| ${r.metric} | ${fmt(r.ours)} ${r.unit} | ${r.peer === undefined ? '–' : `${fmt(r.peer)} ${r.unit}`} | ${ratio} | ${r.target ?? ''} |`,
      );
    }
    out.push('');
  }
  if (notes.length) out.push('notes:', ...notes.map((n) => `- ${n}`), '');
  out.push('ratio = remote-exec ÷ peer (below 1 is better for times, above 1 for rates).');
  process.stdout.write(out.join('\n') + '\n');
}

function machine(): string {
  const py = spawnSync(SYSTEM_PYTHON, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${py}`;
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (v >= 10000) return Math.round(v).toLocaleString('en-US');
  if (v >= 100) return v.toFixed(0);
  return v.toFixed(1);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
