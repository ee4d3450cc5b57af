/**
 * Recovers the uncompressed ELF `vmlinux` (with its .BTF section) from a bzImage, like the
 * kernel's scripts/extract-vmlinux: find the payload's compression magic, decompress from there,
 * keep the first candidate that is an ELF image. Debian's kernels use zstd; gzip and xz are also
 * tried. zstd and xz go through their CLIs because Node 20 has no zstd and no xz in zlib.
 */
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';

interface Codec {
  name: string;
  magic: Buffer;
  decompress(data: Buffer): Buffer | undefined;
}

function viaCli(cmd: string, args: string[]) {
  return (data: Buffer): Buffer | undefined => {
    // Trailing bytes after the stream make these CLIs complain but still write the output.
    const r = spawnSync(cmd, args, { input: data, maxBuffer: 1 << 30 });
    if (r.error) throw new Error(`${cmd} is needed to unpack the kernel image: ${r.error.message}. Run \`npx ktstr setup\` (in a clone of ktstr: npm run bootstrap).`);
    return r.stdout && r.stdout.length > 0 ? r.stdout : undefined;
  };
}

const CODECS: Codec[] = [
  { name: 'zstd', magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), decompress: viaCli('zstd', ['-dcq']) },
  { name: 'xz', magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), decompress: viaCli('xz', ['-dcq']) },
  {
    name: 'gzip',
    magic: Buffer.from([0x1f, 0x8b, 0x08]),
    decompress: (d) => {
      try {
        return gunzipSync(d);
      } catch {
        return undefined;
      }
    },
  },
];

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export function extractVmlinux(vmlinuz: Buffer): Buffer {
  for (const codec of CODECS) {
    for (let at = vmlinuz.indexOf(codec.magic); at >= 0; at = vmlinuz.indexOf(codec.magic, at + 1)) {
      const out = codec.decompress(vmlinuz.subarray(at));
      if (out && out.subarray(0, 4).equals(ELF_MAGIC)) return out;
    }
  }
  throw new Error('no compressed ELF payload found in the kernel image (tried zstd, xz, gzip)');
}

/** Whether an ELF image has a section named .BTF (looked up by name in the section-name table). */
export function hasBtfSection(elf: Buffer): boolean {
  return elf.includes(Buffer.from('\0.BTF\0'));
}
