import { expect } from 'chai';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDesiredState } from '../../../src/model/index.js';
import { FileSource } from '../../../src/source/file-source.js';
import { keyAndValue, logicalLines } from '../../../src/source/lookup-table-text.js';

describe('source: Postfix lookup-table text', () => {
  it('skips blank and comment lines, joins continuation lines, keeps the first line number', () => {
    const parsed = logicalLines('# relay recipients\n\nalice@a.example OK\n   # indented comment\nbob@a.example\n  OK\n\tstill bob\r\ncarol@a.example x\n');
    expect(parsed.lines).to.deep.equal([
      { line: 3, text: 'alice@a.example OK' },
      { line: 5, text: 'bob@a.example OK still bob' },
      { line: 8, text: 'carol@a.example x' },
    ]);
    expect(parsed.orphans).to.deep.equal([]);
  });
  it('reports a continuation line with nothing before it', () => {
    expect(logicalLines('  OK\nalice@a.example OK\n').orphans).to.deep.equal([{ line: 1, text: 'OK' }]);
  });
  it('splits key and value at the first white space', () => {
    expect(keyAndValue('a@b.example   OK  x')).to.deep.equal({ key: 'a@b.example', value: 'OK  x' });
    expect(keyAndValue('a@b.example')).to.deep.equal({ key: 'a@b.example', value: '' });
  });
});

describe('source: file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mxdir-file-'));
  });
  const read = async (text: string, options: { format?: 'auto' | 'map' | 'list'; domains?: string[] } = {}) => {
    const path = join(dir, `f${Math.random().toString(16).slice(2)}`);
    await writeFile(path, text);
    const records = await new FileSource({ name: 'hr-file', path, format: options.format ?? 'auto', domains: options.domains, baseDir: dir }).read();
    return { path, records, model: buildDesiredState(records) };
  };

  it('map format: relay domains derived from the listed addresses and catch-alls, provenance "line N"', async () => {
    const { model } = await read('# hand-kept\nalice@a.example OK\n@b.example OK\nBob@A.Example  anything at all\n');
    expect([...model.state.domains.keys()].sort()).to.deep.equal(['a.example', 'b.example']);
    expect([...model.state.addresses.keys()].sort()).to.deep.equal(['@b.example', 'alice@a.example', 'bob@a.example']);
    expect(model.state.addresses.get('bob@a.example')!.origins.map((o) => `${o.source} ${o.table} ${o.row}`)).to.deep.equal(['hr-file line 4']);
    // the domain records its first line only, not one origin per address
    expect(model.state.domains.get('a.example')!.origins.map((o) => o.row)).to.deep.equal(['2']);
    expect(model.skipped).to.deep.equal([]);
  });

  it('map format: a line without a value is reported with file:line and skipped, as postmap would', async () => {
    const { path, model } = await read('alice@a.example OK\nbob@a.example\n');
    expect([...model.state.addresses.keys()]).to.deep.equal(['alice@a.example']);
    expect(model.skipped.map((s) => [s.origin.where, s.value])).to.deep.equal([[`${path}:2`, 'bob@a.example']]);
    expect(model.skipped[0]!.reason).to.match(/^no value/);
  });

  it('list format (detected): one address per line; bad addresses reported by line', async () => {
    const { path, model } = await read('alice@a.example\n\nnot-an-address\nx@@a.example\n');
    expect([...model.state.addresses.keys()]).to.deep.equal(['alice@a.example']);
    expect(model.skipped.map((s) => `${s.origin.where} ${s.value}`)).to.deep.equal([`${path}:3 not-an-address`, `${path}:4 x@@a.example`]);
  });

  it('format: list reports a line with two fields', async () => {
    const { model } = await read('alice@a.example OK\nbob@a.example\n', { format: 'list' });
    expect([...model.state.addresses.keys()]).to.deep.equal(['bob@a.example']);
    expect(model.skipped.map((s) => s.reason)).to.have.length(1);
    expect(model.skipped[0]!.reason).to.match(/^more than one field/);
  });

  it('explicit domains: only those are relay domains; other addresses are reported', async () => {
    const { model } = await read('alice@a.example OK\nx@typo.example OK\n', { domains: ['a.example', 'c.example'] });
    expect([...model.state.domains.keys()].sort()).to.deep.equal(['a.example', 'c.example']);
    expect([...model.state.addresses.keys()]).to.deep.equal(['alice@a.example']);
    expect(model.skipped.map((s) => `${s.origin.row} ${s.reason}`)).to.deep.equal(['2 domain typo.example is not a relay domain in any source']);
    expect(model.state.domains.get('c.example')!.origins.map((o) => `${o.source} ${o.table} ${o.row}`)).to.deep.equal(['hr-file domains c.example']);
  });

  it('a missing file is one error naming the source and the path', async () => {
    const source = new FileSource({ name: 'hr-file', path: 'nope.txt', format: 'auto', baseDir: dir });
    let message = '';
    await source.read().catch((err: Error) => (message = err.message));
    expect(message).to.equal(`source hr-file: cannot read ${join(dir, 'nope.txt')}: ENOENT`);
  });
});
