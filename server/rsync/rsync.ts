import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ChannelClosedError, type Channel, type Gateway } from '../../protocol';
import { remoteSource } from '../agents';

/** What RSync did to one path of one target, as `onFile` hears it. */
export interface RSyncFileEvent {
  gateway: string;
  dest: string;
  /** The path relative to the source (and the destination), `/`-separated. */
  path: string;
  /** `send`: its content was sent; `delete`: removed from the target; `link`: a symlink was (re)made. */
  action: 'send' | 'delete' | 'link';
}

export interface RSyncOptions {
  /** Print one line per file sent or deleted (execnet's verbose); on unless false, as in execnet. */
  verbose?: boolean;
  /** Called for each file sent, deleted or linked on each target (execnet's callback). */
  onFile?: (event: RSyncFileEvent) => void;
  /** Where verbose lines go; default this process's stdout. */
  log?: (line: string) => void;
  /**
   * Which entries take part, by path relative to the source with `/` separators; an excluded directory is
   * not entered. Excluded remote entries are never deleted.
   */
  filter?: (relPath: string) => boolean;
  /** Size of the DATA items a large file is streamed in; default 1 MiB. */
  chunkSize?: number;
}

export interface RSyncTargetOptions {
  /** Remove remote entries that the source does not have. */
  delete?: boolean;
}

export interface RSyncStats {
  /** Files whose content crossed the wire. */
  filesSent: number;
  /** Bytes of file content sent. */
  bytesSent: number;
  /** Files left as they were because size and mtime matched, or their checksums did. */
  filesSkipped: number;
  /** Remote entries removed (`delete`), counting the contents of removed directories. */
  deleted: number;
  /** Directories created on the remote side. */
  dirsCreated: number;
  /** Symlinks created or changed. */
  linksSent: number;
  /** Files whose checksums were compared because their size matched but their mtime did not. */
  checksummed: number;
  /** Files whose content was right but whose mode or mtime was fixed. */
  metaUpdated: number;
}

export interface RSyncTargetStats extends RSyncStats {
  gateway: string;
  dest: string;
}

export interface RSyncResult extends RSyncStats {
  targets: RSyncTargetStats[];
}

type Kind = 'f' | 'd' | 'l';
interface LocalEntry {
  rel: string;
  abs: string;
  kind: Kind;
  size: number;
  mtimeNs: bigint;
  mode: number;
  target?: string;
}
/** [rel, kind, size, mtimeNs, mode, linkTarget], as the remote side reports its tree. */
type RemoteEntry = [string, Kind | 'o', number, number | bigint, number, string | null];

const DEFAULT_CHUNK = 1024 * 1024;
/**
 * Node's utimes takes seconds as a double and libuv truncates them to microseconds, so a Node target's
 * mtimes come back up to ~1.3 µs off; Python's os.utime(ns=) is exact.
 */
const MTIME_TOLERANCE_NS = 2000n;

interface Target {
  gateway: Gateway;
  dest: string;
  options: RSyncTargetOptions;
}

/**
 * Sends a directory tree to one or more gateways (execnet's RSync), crossing the wire only with what
 * changed: the remote side reports its tree; files whose size and mtime match are skipped; files of the
 * same size but another mtime are compared by SHA-1 first; the rest is streamed in chunks. Symlinks and
 * modes are kept; `delete` removes what the source does not have. All targets are served at once.
 */
export class RSync {
  private targets: Target[] = [];
  private readonly chunkSize: number;
  private readonly checksums = new Map<string, Promise<string>>();

  constructor(
    readonly sourceDir: string,
    private readonly options: RSyncOptions = {},
  ) {
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    if (!(this.chunkSize > 0)) throw new RangeError(`chunkSize must be positive, got ${options.chunkSize}`);
  }

  /** Adds a gateway and a destination directory on it (relative to the remote cwd; `~` is expanded). */
  addTarget(gateway: Gateway, destDir: string, options: RSyncTargetOptions = {}): this {
    if (this.targets.some((t) => t.gateway === gateway && t.dest === destDir)) {
      throw new Error(`${destDir} on gateway ${gateway.id} is already a target`);
    }
    this.targets.push({ gateway, dest: destDir, options });
    return this;
  }

  /**
   * Synchronises every target; resolves with the statistics once all are done. Targets are used up, as in
   * execnet: add them again to send again. Rejects with the first failure (a RemoteError from a target).
   */
  async send(): Promise<RSyncResult> {
    if (this.targets.length === 0) throw new Error('RSync.send: no targets (add them with addTarget; send() uses them up)');
    const targets = this.targets;
    this.targets = [];
    this.checksums.clear();
    const stat = await fs.promises.stat(this.sourceDir);
    if (!stat.isDirectory()) throw new Error(`RSync source is not a directory: ${this.sourceDir}`);
    const local = await this.scan();
    const results = await Promise.allSettled(targets.map((target) => this.sync(target, local)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const perTarget = results.map((r) => (r as PromiseFulfilledResult<RSyncTargetStats>).value);
    const total = emptyStats();
    for (const s of perTarget) for (const key of Object.keys(total) as (keyof RSyncStats)[]) total[key] += s[key];
    return { ...total, targets: perTarget };
  }

  /** The source tree, parents before children, honouring the filter. */
  private async scan(): Promise<LocalEntry[]> {
    const out: LocalEntry[] = [];
    const walk = async (dir: string, prefix: string) => {
      const names = await vanishing(fs.promises.readdir(dir));
      if (!names) return;
      for (const name of names.sort()) {
        const rel = prefix + name;
        if (this.options.filter && !this.options.filter(rel)) continue;
        const abs = path.join(dir, name);
        // An entry removed while the tree is read is simply not part of it.
        const st = await vanishing(fs.promises.lstat(abs, { bigint: true }));
        if (!st) continue;
        const base = { rel, abs, size: Number(st.size), mtimeNs: st.mtimeNs, mode: Number(st.mode & 0o7777n) };
        if (st.isSymbolicLink()) {
          const target = await vanishing(fs.promises.readlink(abs));
          if (target !== undefined) out.push({ ...base, kind: 'l', target: this.intoTarget(abs, target) });
        } else if (st.isDirectory()) {
          out.push({ ...base, kind: 'd' });
          await walk(abs, rel + '/');
        } else if (st.isFile()) out.push({ ...base, kind: 'f' });
        // Sockets, fifos and devices have no content to send.
      }
    };
    await walk(this.sourceDir, '');
    return out;
  }

  /**
   * A symlink's target as the copy needs it: an absolute one pointing into the source tree becomes
   * relative, so it points into the target tree wherever that is (as execnet rewrites it); others stay.
   */
  private intoTarget(linkPath: string, target: string): string {
    if (!path.isAbsolute(target)) return target;
    const root = path.resolve(this.sourceDir);
    const resolved = path.resolve(target);
    if (resolved !== root && !resolved.startsWith(root + path.sep)) return target;
    return path.relative(path.dirname(linkPath), resolved) || '.';
  }

  private async sync(target: Target, local: LocalEntry[]): Promise<RSyncTargetStats> {
    const { gateway, dest } = target;
    const stats: RSyncTargetStats = { gateway: gateway.id, dest, ...emptyStats() };
    const source = remoteSource('rsync_receive', gateway.info?.language === 'node' ? 'node' : 'python');
    const channel = gateway.remoteExec(source, { name: 'rsync' });
    try {
      await channel.send({ dest, batch: 1000 });
      const remote = await receiveTree(channel);
      await this.apply(target, channel, local, remote, stats);
      const reply = await channel.receive();
      if (!Array.isArray(reply) || reply[0] !== 'ok')
        throw new Error(`rsync: unexpected reply from ${gateway.id}: ${JSON.stringify(reply)}`);
      await channel.waitClose();
    } catch (err) {
      throw await failureOf(channel, err);
    }
    return stats;
  }

  private async apply(
    target: Target,
    channel: Channel,
    local: LocalEntry[],
    remote: Map<string, RemoteEntry>,
    stats: RSyncStats,
  ): Promise<void> {
    const say = (action: RSyncFileEvent['action'], rel: string) => {
      const mark = action === 'send' ? '<=' : action === 'delete' ? '-' : '->';
      if (this.options.verbose !== false)
        (this.options.log ?? ((l: string) => process.stdout.write(l + '\n')))(`${target.gateway.id}:${target.dest} ${mark} ${rel}`);
      this.options.onFile?.({ gateway: target.gateway.id, dest: target.dest, path: rel, action });
    };
    const localByRel = new Map(local.map((e) => [e.rel, e]));

    if (target.options.delete) {
      const doomed: string[] = [];
      let doomedDir: string | undefined;
      for (const [rel, entry] of remote) {
        if (doomedDir !== undefined && rel.startsWith(doomedDir)) {
          stats.deleted++;
          continue;
        }
        if (localByRel.has(rel) || (this.options.filter && !this.options.filter(rel))) continue;
        if (this.options.filter && isUnderExcluded(rel, this.options.filter)) continue;
        doomed.push(rel);
        stats.deleted++;
        doomedDir = entry[1] === 'd' ? rel + '/' : undefined;
        say('delete', rel);
      }
      if (doomed.length > 0) await channel.send(['delete', doomed]);
    }

    const dirs = local.filter((e) => e.kind === 'd');
    stats.dirsCreated = dirs.filter((e) => remote.get(e.rel)?.[1] !== 'd').length;
    if (dirs.length > 0) await channel.send(['mkdir', dirs.map((e) => [e.rel, e.mode])]);

    const links = local.filter((e) => e.kind === 'l' && !(remote.get(e.rel)?.[1] === 'l' && remote.get(e.rel)?.[5] === e.target));
    stats.linksSent = links.length;
    if (links.length > 0) {
      for (const e of links) say('link', e.rel);
      await channel.send(['link', links.map((e) => [e.rel, e.target])]);
    }

    const toSend: LocalEntry[] = [];
    const toCompare: LocalEntry[] = [];
    const meta: LocalEntry[] = [];
    for (const e of local) {
      if (e.kind !== 'f') continue;
      const r = remote.get(e.rel);
      if (!r || r[1] !== 'f' || r[2] !== e.size) toSend.push(e);
      else if (sameMtime(r[3], e.mtimeNs)) {
        stats.filesSkipped++;
        if (r[4] !== e.mode) meta.push(e);
      } else toCompare.push(e);
    }
    if (toCompare.length > 0) {
      stats.checksummed = toCompare.length;
      await channel.send(['checksum', toCompare.map((e) => e.rel)]);
      const [reply, ours] = await Promise.all([channel.receive(), Promise.all(toCompare.map((e) => this.checksum(e)))]);
      if (!Array.isArray(reply) || reply[0] !== 'checksums')
        throw new Error(`rsync: expected checksums from ${target.gateway.id}, got ${JSON.stringify(reply)?.slice(0, 100)}`);
      toCompare.forEach((e, i) => {
        if (reply[1][i] === ours[i]) {
          stats.filesSkipped++;
          meta.push(e);
        } else toSend.push(e);
      });
    }

    for (const e of toSend) {
      const sent = await this.sendFile(channel, e);
      if (sent === undefined) continue;
      say('send', e.rel);
      stats.bytesSent += sent;
      stats.filesSent++;
    }
    stats.metaUpdated = meta.length;
    if (meta.length > 0) await channel.send(['meta', meta.map((e) => [e.rel, e.mode, e.mtimeNs])]);
    const lockedDirs = dirs.filter((e) => (e.mode & 0o700) !== 0o700 || remote.get(e.rel)?.[4] !== e.mode);
    if (lockedDirs.length > 0) await channel.send(['dirmodes', lockedDirs.map((e) => [e.rel, e.mode])]);
    await channel.send(['done']);
  }

  /**
   * Sends one file's content: inline when it fits in a chunk, else as chunks ended by null. Undefined
   * when the file is gone since the scan: nothing is sent for it.
   */
  private async sendFile(channel: Channel, e: LocalEntry): Promise<number | undefined> {
    const handle = await vanishing(fs.promises.open(e.abs, 'r'));
    if (!handle) return undefined;
    try {
      if (e.size <= this.chunkSize) {
        // Read one byte more than a chunk so a file that grew since the scan still goes in chunks.
        const buffer = Buffer.allocUnsafe(this.chunkSize + 1);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        if (bytesRead <= this.chunkSize) {
          await channel.send(['file', e.rel, e.mode, e.mtimeNs, buffer.subarray(0, bytesRead)]);
          return bytesRead;
        }
      }
      await channel.send(['file', e.rel, e.mode, e.mtimeNs, null]);
      let sent = 0;
      while (true) {
        const buffer = Buffer.allocUnsafe(this.chunkSize);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, sent);
        if (bytesRead === 0) break;
        await channel.send(buffer.subarray(0, bytesRead));
        sent += bytesRead;
      }
      await channel.send(null);
      return sent;
    } finally {
      await handle.close();
    }
  }

  private checksum(e: LocalEntry): Promise<string> {
    let sum = this.checksums.get(e.rel);
    if (!sum) {
      sum = new Promise<string>((resolve, reject) => {
        const hash = createHash('sha1');
        fs.createReadStream(e.abs)
          .on('data', (chunk) => hash.update(chunk))
          .on('end', () => resolve(hash.digest('hex')))
          // Gone since the scan: no checksum matches, and sendFile then skips it.
          .on('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve('') : reject(err)));
      });
      this.checksums.set(e.rel, sum);
    }
    return sum;
  }
}

/** The result, or undefined when the path no longer exists (removed while the tree was being read). */
async function vanishing<T>(op: Promise<T>): Promise<T | undefined> {
  try {
    return await op;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function emptyStats(): RSyncStats {
  return { filesSent: 0, bytesSent: 0, filesSkipped: 0, deleted: 0, dirsCreated: 0, linksSent: 0, checksummed: 0, metaUpdated: 0 };
}

function sameMtime(remote: number | bigint, local: bigint): boolean {
  const diff = BigInt(remote) - local;
  return diff < MTIME_TOLERANCE_NS && diff > -MTIME_TOLERANCE_NS;
}

/** True when a parent directory of `rel` is excluded by the filter (its contents are protected too). */
function isUnderExcluded(rel: string, filter: (relPath: string) => boolean): boolean {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) if (!filter(parts.slice(0, i).join('/'))) return true;
  return false;
}

async function receiveTree(channel: Channel): Promise<Map<string, RemoteEntry>> {
  const tree = new Map<string, RemoteEntry>();
  while (true) {
    const msg = (await channel.receive()) as [string, RemoteEntry[]?];
    if (!Array.isArray(msg)) throw new Error(`rsync: the remote side sent ${JSON.stringify(msg)?.slice(0, 100)} instead of its tree`);
    if (msg[0] === 'tree-end') return tree;
    for (const entry of msg[1] ?? []) tree.set(entry[0], entry);
  }
}

/** The error to report: the remote side's own exception when it closed the channel with one. */
async function failureOf(channel: Channel, err: unknown): Promise<unknown> {
  if (err instanceof ChannelClosedError) {
    try {
      await channel.waitClose(1000);
    } catch (remote) {
      return remote;
    }
    return err;
  }
  if (!channel.isClosed()) {
    try {
      channel.close(err instanceof Error ? err : String(err));
    } catch {
      // The gateway is gone; the original error says why.
    }
  }
  return err;
}
