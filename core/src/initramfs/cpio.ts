/**
 * Writer for cpio "newc" archives (magic 070701), the format the Linux kernel unpacks
 * into rootfs at boot (Documentation/driver-api/early-userspace/buffer-format.rst).
 * The guest's initramfs is built in memory with it, so no host `cpio` binary, no root
 * and no staging directory are needed, and the same inputs always give the same bytes:
 * owner is 0:0 and mtime is 0 unless asked otherwise.
 *
 * Layout of one entry: a 110-byte ASCII header ("070701" + 13 fields of 8 hex digits),
 * the NUL-terminated name padded so header+name ends on a 4-byte boundary, then the data
 * padded to a 4-byte boundary. The archive ends with an entry named "TRAILER!!!".
 */
import { KtstrError } from '../errors.js';

export const CPIO_NEWC_MAGIC = '070701';
export const CPIO_TRAILER_NAME = 'TRAILER!!!';
export const CPIO_HEADER_BYTES = 110;

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

/** Largest value an 8-hex-digit header field holds. */
const MAX_FIELD = 0xffff_ffff;
/** The kernel's dev_t keeps 12 bits of major and 20 bits of minor. */
const MAX_DEVICE_MAJOR = (1 << 12) - 1;
const MAX_DEVICE_MINOR = (1 << 20) - 1;

export const DEFAULT_DIR_MODE = 0o755;
export const DEFAULT_FILE_MODE = 0o644;
export const DEFAULT_CHAR_DEV_MODE = 0o600;

export interface CpioWriterOptions {
  /** Modification time written into every entry, in seconds since the epoch. Default 0. */
  mtime?: number;
  /** Permission bits of directories created implicitly as parents. Default 0o755. */
  parentDirMode?: number;
}

type EntryKind = 'dir' | 'file' | 'symlink' | 'charDev';

interface Entry {
  kind: EntryKind;
  /** Archive name: relative, no leading '/'. */
  name: string;
  /** File type bits | permission bits. */
  mode: number;
  data: Uint8Array;
  rdevMajor: number;
  rdevMinor: number;
  /** False for directories the writer created only because a child needed them. */
  explicit: boolean;
}

/**
 * Collects entries and serialises them with {@link CpioWriter.finish}. Paths may be given
 * with or without a leading '/'; missing parent directories are added once, before their
 * first child. Entries appear in the archive in the order they were first added.
 * Buffers passed to {@link CpioWriter.file} are referenced, not copied, until finish().
 */
export class CpioWriter {
  private readonly entries = new Map<string, Entry>();
  private readonly mtime: number;
  private readonly parentDirMode: number;

  constructor(options: CpioWriterOptions = {}) {
    this.mtime = checkHeaderField('cpio.mtime', options.mtime ?? 0);
    this.parentDirMode = checkPermissionBits('cpio.parentDirMode', options.parentDirMode ?? DEFAULT_DIR_MODE);
  }

  /**
   * Adds a directory. Declaring a directory that was already created implicitly as a parent
   * sets its mode; declaring one twice explicitly is an error.
   */
  dir(path: string, mode: number = DEFAULT_DIR_MODE): this {
    const name = normaliseArchivePath(path);
    const permissions = checkPermissionBits(`cpio.dir(${JSON.stringify(path)}).mode`, mode);
    const existing = this.entries.get(name);
    if (existing !== undefined) {
      if (existing.kind === 'dir' && !existing.explicit) {
        existing.mode = S_IFDIR | permissions;
        existing.explicit = true;
        return this;
      }
      throw duplicateEntry(path, existing.kind, 'dir');
    }
    this.ensureParents(name, path);
    this.entries.set(name, { kind: 'dir', name, mode: S_IFDIR | permissions, data: EMPTY, rdevMajor: 0, rdevMinor: 0, explicit: true });
    return this;
  }

  /** Adds a regular file; a string is stored as UTF-8. */
  file(path: string, data: Uint8Array | string, mode: number = DEFAULT_FILE_MODE): this {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const permissions = checkPermissionBits(`cpio.file(${JSON.stringify(path)}).mode`, mode);
    if (bytes.byteLength > MAX_FIELD) {
      throw new KtstrError(
        `cpio.file(${JSON.stringify(path)}).data`,
        bytes.byteLength,
        `is larger than the newc format's 4 GiB - 1 file size limit`,
        'Split the content or ship it to the guest another way (e.g. a virtio-blk disk).',
      );
    }
    this.add(path, 'file', S_IFREG | permissions, bytes, 0, 0);
    return this;
  }

  /** Adds a symbolic link; `target` is stored verbatim (absolute or relative). */
  symlink(path: string, target: string): this {
    if (target.length === 0 || target.includes('\0')) {
      throw new KtstrError(
        `cpio.symlink(${JSON.stringify(path)}).target`,
        target,
        'must be a non-empty string without NUL bytes',
        'Pass the path the link should point to, e.g. "/usr/lib/x86_64-linux-gnu/libc.so.6".',
      );
    }
    this.add(path, 'symlink', S_IFLNK | 0o777, Buffer.from(target, 'utf8'), 0, 0);
    return this;
  }

  /** Adds a character device node, e.g. `charDev('/dev/console', 5, 1)`. */
  charDev(path: string, major: number, minor: number, mode: number = DEFAULT_CHAR_DEV_MODE): this {
    const where = `cpio.charDev(${JSON.stringify(path)})`;
    checkDeviceNumber(`${where}.major`, major, MAX_DEVICE_MAJOR);
    checkDeviceNumber(`${where}.minor`, minor, MAX_DEVICE_MINOR);
    const permissions = checkPermissionBits(`${where}.mode`, mode);
    this.add(path, 'charDev', S_IFCHR | permissions, EMPTY, major, minor);
    return this;
  }

  /** True when `path` (or an implicitly created parent at `path`) is already in the archive. */
  has(path: string): boolean {
    return this.entries.has(normaliseArchivePath(path));
  }

  /**
   * Serialises all entries followed by the trailer. Inode numbers are assigned 1, 2, ... in
   * archive order, so output depends only on what was added. May be called more than once.
   */
  finish(): Buffer {
    const parts: Buffer[] = [];
    let inode = 1;
    for (const entry of this.entries.values()) {
      const nlink = entry.kind === 'dir' ? 2 : 1;
      parts.push(encodeHeaderAndName(entry.name, {
        ino: inode++,
        mode: entry.mode,
        nlink,
        mtime: this.mtime,
        fileSize: entry.data.byteLength,
        rdevMajor: entry.rdevMajor,
        rdevMinor: entry.rdevMinor,
      }));
      if (entry.data.byteLength > 0) {
        parts.push(Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength));
        const padding = paddingTo4(entry.data.byteLength);
        if (padding > 0) parts.push(Buffer.alloc(padding));
      }
    }
    parts.push(encodeHeaderAndName(CPIO_TRAILER_NAME, { ino: 0, mode: 0, nlink: 1, mtime: 0, fileSize: 0, rdevMajor: 0, rdevMinor: 0 }));
    return Buffer.concat(parts);
  }

  private add(path: string, kind: EntryKind, mode: number, data: Uint8Array, rdevMajor: number, rdevMinor: number): void {
    const name = normaliseArchivePath(path);
    const existing = this.entries.get(name);
    if (existing !== undefined) throw duplicateEntry(path, existing.kind, kind);
    this.ensureParents(name, path);
    this.entries.set(name, { kind, name, mode, data, rdevMajor, rdevMinor, explicit: true });
  }

  private ensureParents(name: string, originalPath: string): void {
    const components = name.split('/');
    for (let depth = 1; depth < components.length; depth++) {
      const parent = components.slice(0, depth).join('/');
      const existing = this.entries.get(parent);
      if (existing === undefined) {
        this.entries.set(parent, { kind: 'dir', name: parent, mode: S_IFDIR | this.parentDirMode, data: EMPTY, rdevMajor: 0, rdevMinor: 0, explicit: false });
      } else if (existing.kind !== 'dir') {
        throw new KtstrError(
          `cpio path ${JSON.stringify(originalPath)}`,
          `/${parent}`,
          `needs its parent to be a directory, but the archive already has a ${existing.kind} there`,
          existing.kind === 'symlink'
            ? 'Add the entry under the directory the symlink points to instead.'
            : 'Rename one of the two entries.',
        );
      }
    }
  }
}

const EMPTY = new Uint8Array(0);

interface HeaderFields {
  ino: number;
  mode: number;
  nlink: number;
  mtime: number;
  fileSize: number;
  rdevMajor: number;
  rdevMinor: number;
}

function encodeHeaderAndName(name: string, fields: HeaderFields): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const nameSize = nameBytes.length + 1; // includes the terminating NUL
  const values = [
    fields.ino,
    fields.mode,
    0, // uid
    0, // gid
    fields.nlink,
    fields.mtime,
    fields.fileSize,
    0, // devmajor: device holding the file on the source system, irrelevant here
    0, // devminor
    fields.rdevMajor,
    fields.rdevMinor,
    nameSize,
    0, // check: only used by the "070702" CRC variant
  ];
  const header = CPIO_NEWC_MAGIC + values.map((v) => v.toString(16).toUpperCase().padStart(8, '0')).join('');
  const total = CPIO_HEADER_BYTES + nameSize;
  const out = Buffer.alloc(total + paddingTo4(total)); // zero-filled: NUL terminator and padding
  out.write(header, 0, 'ascii');
  nameBytes.copy(out, CPIO_HEADER_BYTES);
  return out;
}

function paddingTo4(length: number): number {
  return (4 - (length % 4)) % 4;
}

/**
 * Turns "/dev/console" or "dev/console" into the archive name "dev/console". Rejects names
 * the kernel would interpret differently from what the caller probably meant.
 */
function normaliseArchivePath(path: string): string {
  const name = path.startsWith('/') ? path.slice(1) : path;
  const components = name.split('/');
  const bad = name.length === 0 || path.includes('\0') || components.some((c) => c === '' || c === '.' || c === '..');
  if (bad) {
    throw new KtstrError(
      'cpio path',
      path,
      'must name something below the root: no empty, "." or ".." components, no trailing "/", no NUL',
      'Use a normalised path such as "/dev/console"; the root directory itself always exists.',
    );
  }
  if (name === CPIO_TRAILER_NAME) {
    throw new KtstrError('cpio path', path, 'is the name that marks the end of the archive', 'Choose another file name.');
  }
  return name;
}

function checkPermissionBits(field: string, mode: number): number {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new KtstrError(
      field,
      typeof mode === 'number' && Number.isInteger(mode) ? `0o${mode.toString(8)}` : mode,
      'must be permission bits between 0o0 and 0o7777',
      'Pass only the permission part (e.g. 0o755); the file type is set by the method you call.',
    );
  }
  return mode;
}

function checkHeaderField(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_FIELD) {
    throw new KtstrError(field, value, 'must be an integer between 0 and 2^32-1', 'Use seconds since the epoch, or leave it unset for 0.');
  }
  return value;
}

function checkDeviceNumber(field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new KtstrError(field, value, `must be an integer between 0 and ${max}`, 'Use the numbers from Documentation/admin-guide/devices.txt, e.g. 5,1 for /dev/console.');
  }
}

function duplicateEntry(path: string, existingKind: EntryKind, newKind: EntryKind): KtstrError {
  return new KtstrError(
    'cpio path',
    path,
    `is already in the archive as a ${existingKind}; cannot add it again as a ${newKind}`,
    'Add each path once; check with has(path) when entries come from several sources.',
  );
}
