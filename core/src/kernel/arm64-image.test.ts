import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARM64_IMAGE_MAGIC_OFFSET, btfOnlyElf, EM_AARCH64, findImageBtf, isArm64Image } from './arm64-image.js';
import { elfSection, parseElf } from '../initramfs/elf.js';
import { kernelImageKind } from './image-check.js';
import { missingKernelConfig, requiredKernelConfig } from './config-check.js';

/** A BTF blob with `types` bytes of type data and the given string table. */
function btfBlob(types: number, strings: string): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt16LE(0xeb9f, 0);
  h[2] = 1;
  h.writeUInt32LE(24, 4);
  h.writeUInt32LE(0, 8);
  h.writeUInt32LE(types, 12);
  h.writeUInt32LE(types, 16);
  h.writeUInt32LE(Buffer.byteLength(strings, 'latin1'), 20);
  return Buffer.concat([h, Buffer.alloc(types, 7), Buffer.from(strings, 'latin1')]);
}

function image(...parts: Buffer[]): Buffer {
  const head = Buffer.alloc(64);
  head.write('MZ', 0, 'latin1');
  head.write('ARM\x64', ARM64_IMAGE_MAGIC_OFFSET, 'latin1');
  return Buffer.concat([head, ...parts]);
}

test('an arm64 Image is told by its magic at 0x38, apart from bzImage and ELF', () => {
  const img = image();
  assert.equal(isArm64Image(img), true);
  assert.equal(kernelImageKind(img), 'arm64-image');
  assert.equal(isArm64Image(Buffer.alloc(64)), false);
});

test('the kernel\'s BTF is the largest well-formed blob; torn headers and small blobs are passed over', () => {
  const small = btfBlob(8, '\0a\0');
  const big = btfBlob(400, '\0task_struct\0rq\0');
  const torn = Buffer.from(big.subarray(0, 30)); // a header whose sections run past the end
  const img = image(Buffer.alloc(13), small, Buffer.alloc(100), big, Buffer.alloc(5), torn);
  assert.deepEqual(findImageBtf(img), big);
  assert.equal(findImageBtf(image(Buffer.alloc(256))), undefined);
});

test('the BTF-only vmlinux is an aarch64 ELF whose .BTF section is the blob', () => {
  const blob = btfBlob(40, '\0x\0');
  const elf = btfOnlyElf(blob);
  const info = parseElf(elf, 'vmlinux');
  assert.equal(info.machine, EM_AARCH64);
  assert.deepEqual(elfSection(elf, 'vmlinux', '.BTF'), blob);
});

test('an aarch64 kernel needs the PL011 console built in instead of the 8250', () => {
  const options = requiredKernelConfig('aarch64').map((r) => r.option);
  assert.ok(options.includes('CONFIG_SERIAL_AMBA_PL011_CONSOLE') && !options.includes('CONFIG_SERIAL_8250_CONSOLE'));
  const complete = requiredKernelConfig('aarch64').map((r) => `${r.option}=y`).join('\n');
  assert.deepEqual(missingKernelConfig(complete, 'aarch64'), []);
  assert.deepEqual(missingKernelConfig(complete.replace('PL011_CONSOLE=y', 'PL011_CONSOLE=m'), 'aarch64').map((r) => r.option), ['CONFIG_SERIAL_AMBA_PL011_CONSOLE']);
  assert.deepEqual(missingKernelConfig(complete).map((r) => r.option), ['CONFIG_SERIAL_8250_CONSOLE']);
});
