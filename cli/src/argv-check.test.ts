// The argument check against a real sade program: what it refuses, what it lets through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sade from 'sade';
import { UsageError, checkArgv } from './argv-check.js';
import { closest, editDistance } from '@ktstr/core/suggest';

function program() {
  const prog = sade('ktstr');
  prog.command('test [paths...]').option('--topology', 'shape').option('--list', 'list').action(() => {});
  prog.command('kernel fetch [version]').option('--json', 'json').action(() => {});
  prog.command('kernel list').action(() => {});
  prog.command('stats merge [files...]').option('-o, --output', 'out').action(() => {});
  prog.command('completions <shell>').action(() => {});
  return prog;
}

const refused = (args: string[]) => {
  try {
    checkArgv(program(), args);
  } catch (e) {
    assert.ok(e instanceof UsageError);
    return e.message;
  }
  return undefined;
};

test('edit distance and the nearest word', () => {
  assert.equal(editDistance('topolgy', 'topology'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(closest('topolgy', ['filter', 'topology']), 'topology');
  assert.equal(closest('xyz', ['filter', 'topology']), undefined);
});

test('unknown options, commands and arguments are refused with a suggestion', () => {
  assert.match(refused(['test', '--topolgy', '1n1l2c1t'])!, /unknown option --topolgy for ktstr test; did you mean --topology\?/);
  assert.match(refused(['test', '--topolgy=1n1l2c1t'])!, /--topolgy/);
  assert.match(refused(['tset'])!, /unknown command tset; did you mean test\?/);
  assert.match(refused(['kernel', 'lsit'])!, /unknown command kernel lsit; did you mean kernel list\?/);
  assert.match(refused(['kernel'])!, /ktstr kernel needs a subcommand/);
  assert.match(refused(['completions'])!, /needs <shell>/);
  assert.match(refused(['kernel', 'list', 'extra'])!, /unexpected argument extra for ktstr kernel list/);
  assert.match(refused(['kernel', 'fetch', '7.2', '7.3'])!, /unexpected argument 7\.3/);
  assert.match(refused(['stats', 'merge', '-x'])!, /unknown option -x/);
  assert.match(refused([])!, /no command given/);
  assert.match(refused(['test', '--topology', '-1'])!, /-1 is read as an option, not a value.*--budget=-1/);
});

test('what sade understands passes: values, =, --no-, aliases, help, variadic paths, anything after --', () => {
  for (const args of [
    ['test', 'a', 'b', 'c', '--topology', 'tiny-2llc', '--list'],
    ['test', '--topology=tiny-2llc', '--no-list'],
    ['test', '--', '--anything', 'goes'],
    ['stats', 'merge', 'a.json', 'b.json', '-o', 'out.json'],
    ['kernel', 'fetch', '7.2', '--json'],
    ['completions', '--help'],
    ['--help'],
    ['--version'],
  ]) assert.equal(refused(args), undefined, args.join(' '));
});
