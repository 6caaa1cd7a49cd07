import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Daemons, installed } from './daemons';

/** Why a real container engine cannot be had here, or undefined when it can. */
export function containersMissing(): string | undefined {
  if (!installed('podman', 'runc', 'docker'))
    return 'podman, runc or the docker CLI is not installed (scripts/setup-test-deps.sh installs them from Debian)';
  if (process.getuid?.() !== 0) return 'the podman engine of these tests runs as root (vfs storage in a temp folder)';
  return undefined;
}

/** The image the tests run containers of: python3 with its standard library, node, sh, env, nice, sleep. */
export const IMAGE = 'localhost/remote-exec-test:py';
/** The same without python3, for the "container without the interpreter" case. */
export const IMAGE_NO_PYTHON = 'localhost/remote-exec-test:nopython';

/**
 * A real container engine: podman with its storage and config in a temp folder, serving the Docker API
 * on a unix socket (`podman system service`) so that the real docker CLI drives it through DOCKER_HOST.
 * The images are built offline from this machine's own files (`podman import` of a small rootfs).
 * `env` is what docker and podman need to find it.
 */
export interface ContainerEngine {
  env: Record<string, string>;
  /** Starts a container of `image` that idles until removed; resolves with its name. */
  run(name: string, image?: string): string;
  stop(): Promise<void>;
}

export async function startContainerEngine(): Promise<ContainerEngine> {
  const daemons = new Daemons();
  const dir = daemons.dir;
  try {
    const socket = path.join(dir, 'podman.sock');
    fs.writeFileSync(
      path.join(dir, 'containers.conf'),
      [
        '[engine]',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        // crun refuses the hybrid cgroup layout of many CI machines and containers; runc takes it.
        'runtime = "runc"',
        // conmon of an exec session otherwise waits 5 minutes after it ended.
        'exit_command_delay = 0',
        // Podman's own state (locks, events, exit files) in the temp folder too, not in /run/libpod.
        `tmp_dir = "${path.join(dir, 'tmp')}"`,
        '[containers]',
        'netns = "host"',
        // Podman's defaults are above what an unprivileged container host lets it set.
        'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'storage.conf'),
      ['[storage]', 'driver = "vfs"', `graphroot = "${path.join(dir, 'storage')}"`, `runroot = "${path.join(dir, 'run')}"`, ''].join('\n'),
    );
    const env = {
      CONTAINERS_CONF: path.join(dir, 'containers.conf'),
      CONTAINERS_STORAGE_CONF: path.join(dir, 'storage.conf'),
      DOCKER_HOST: `unix://${socket}`,
    };
    const engineEnv = { ...process.env, ...env };
    const rootfs = buildRootfs(path.join(dir, 'rootfs'));
    importImage(rootfs, IMAGE, [], engineEnv);
    importImage(rootfs, IMAGE_NO_PYTHON, ['./usr/bin/python3*'], engineEnv);
    fs.rmSync(rootfs, { recursive: true, force: true });
    daemons.start('podman system service', ['podman', 'system', 'service', '--time=0', `unix://${socket}`], engineEnv);
    await daemons.waitUntil(
      'the Docker API answering',
      () => spawnSync('docker', ['version'], { env: engineEnv, stdio: 'ignore' }).status === 0,
    );
    return {
      env,
      run: (name, image = IMAGE) => {
        execFileSync('docker', ['run', '-d', '--name', name, image, 'sleep', 'infinity'], { env: engineEnv, stdio: 'ignore' });
        return name;
      },
      stop: async () => {
        // Containers first: removing them ends their processes and unmounts what they mounted.
        spawnSync('podman', ['rm', '--force', '--all', '--time', '0'], { env: engineEnv, stdio: 'ignore' });
        await daemons.stop();
      },
    };
  } catch (err) {
    await daemons.stop();
    throw err;
  }
}

/** A root filesystem of this machine's python3 (and standard library), node, sh, env, nice and sleep. */
function buildRootfs(root: string): string {
  const python = fs.realpathSync('/usr/bin/python3');
  const binaries = [python, '/bin/sh', '/usr/bin/env', '/usr/bin/nice', '/usr/bin/sleep', fs.realpathSync(process.execPath)];
  for (const sub of ['usr/bin', 'usr/lib', 'tmp', 'etc']) fs.mkdirSync(path.join(root, sub), { recursive: true });
  fs.symlinkSync('usr/bin', path.join(root, 'bin'));
  for (const binary of binaries) {
    const real = fs.realpathSync(binary);
    copyInto(root, real);
    if (real !== binary) copyInto(root, binary, real);
    const libraries = execFileSync('ldd', [real], { encoding: 'utf8' }).match(/\/\S+/g) ?? [];
    for (const library of libraries) copyInto(root, library);
  }
  for (const [name, real] of [
    ['python3', python],
    ['node', fs.realpathSync(process.execPath)],
  ])
    if (!fs.existsSync(path.join(root, 'usr/bin', name))) fs.symlinkSync(real, path.join(root, 'usr/bin', name));
  const stdlib = path.join('/usr/lib', path.basename(python));
  execFileSync('sh', [
    '-c',
    `tar -C /usr/lib -cf - --exclude=dist-packages --exclude=site-packages --exclude=test --exclude=__pycache__ --exclude=idlelib --exclude=tkinter ${path.basename(stdlib)} | tar -C "$1" -xf -`,
    'sh',
    path.join(root, 'usr/lib'),
  ]);
  return root;
}

/** Copies `file` to the same path under `root` (or a symlink to `target` when given). */
function copyInto(root: string, file: string, target?: string): void {
  const dest = path.join(root, file);
  if (fs.existsSync(dest)) return;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (target) fs.symlinkSync(target, dest);
  else fs.copyFileSync(file, dest);
  if (!target) fs.chmodSync(dest, fs.statSync(file).mode);
}

function importImage(rootfs: string, tag: string, exclude: string[], env: NodeJS.ProcessEnv): void {
  const excludes = exclude.map((e) => `--exclude='${e}'`).join(' ');
  execFileSync('sh', ['-c', `tar -C "$1" ${excludes} -cf - . | podman import - "$2"`, 'sh', rootfs, tag], { env, stdio: 'ignore' });
}
