import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Symbols } from './symbols.js';
import { Unavailable } from './unavailable.js';

const KALLSYMS = `0000000000000000 A fixed_percpu_data
0000000000034c00 A runqueues
ffffffff81000000 T _text
ffffffff81000000 T startup_64
ffffffff810f2340 t show_stat
ffffffff82a1c000 D page_offset_base
ffffffff820f2340 t show_stat
ffffffffc0201000 t ext4_fill_super\t[ext4]
ffffffff83a00000 B _end
`;

test('kallsyms: names to addresses, module symbols tagged, repeated statics all kept', () => {
  const s = Symbols.parse(KALLSYMS, 'kallsyms');
  assert.equal(s.unusableReason(), undefined);
  assert.equal(s.address('_text'), 0xffffffff81000000n);
  assert.equal(s.address('runqueues'), 0x34c00n);
  assert.deepEqual(s.all('show_stat').map((x) => x.address), [0xffffffff810f2340n, 0xffffffff820f2340n]);
  assert.equal(s.all('ext4_fill_super')[0]?.module, 'ext4');
  assert.match((s.address('no_such_symbol') as Unavailable).unavailable, /symbol no_such_symbol: not in the kallsyms/);
});

test('nearest symbol names an address as symbol+offset', () => {
  const s = Symbols.parse(KALLSYMS, 'kallsyms');
  assert.equal(s.describe(0xffffffff810f2350n), 'show_stat+0x10');
  assert.equal(s.describe(0x10n), 'fixed_percpu_data+0x10');
});

test("Debian's placeholder System.map and an unprivileged kallsyms are unusable, and say why", () => {
  const placeholder = Symbols.parse('ffffffffffffffff B The real System.map is in the linux-image-7.2.13+deb14-cloud-amd64-dbg package\n', 'System.map');
  assert.match(placeholder.unusableReason()!, /no _text \(1 line\(s\): "The".*placeholder/);
  const zeros = Symbols.parse('0000000000000000 T _text\n0000000000000000 T startup_64\n', 'kallsyms');
  assert.match(zeros.unusableReason()!, /zero addresses.*CAP_SYSLOG/);
});

test('a System.map under KASLR is moved by the slide', () => {
  const map = Symbols.parse('ffffffff81000000 T _text\nffffffff82a1c000 D page_offset_base\n0000000000001000 A abs_thing\n', 'System.map');
  const slid = map.withSlide(0x1e000000n);
  assert.equal(slid.address('page_offset_base'), 0xffffffffa0a1c000n);
  assert.equal(slid.address('abs_thing'), 0x1000n, 'absolute symbols do not move');
  assert.equal(slid.slide, 0x1e000000n);
});

test('arm64 symbols: the table says its architecture, and the image (_text.._end) moves with the slide', () => {
  const arm = Symbols.parse([
    'ffff800080000000 T _text', 'ffff80008187b008 D kimage_voffset', 'ffff800082044780 D runqueues',
    'ffff8000825c0000 B _end', 'ffff800082600000 t after_the_image', '0000000000000010 A abs_thing',
  ].join('\n'), 'kallsyms');
  assert.equal(arm.arch, 'aarch64');
  assert.equal(Symbols.parse('ffffffff81000000 T _text\n', 'kallsyms').arch, 'x86_64');
  const slid = arm.withSlide(0x26ccf2c00000n);
  assert.equal(slid.address('runqueues'), 0xffffa6cd74c44780n);
  assert.equal(slid.address('_end'), 0xffffa6cd751c0000n);
  assert.equal(slid.address('after_the_image'), 0xffff800082600000n, 'outside _text.._end: not the image');
  assert.equal(slid.address('abs_thing'), 0x10n);
});
