import { expect } from 'chai';
import { EMPTY_METRICS, nextMetrics, parseMetrics, renderMetrics } from '../../../src/service/metrics.js';
import type { RunReport } from '../../../src/service/run-report.js';

const ok = (at: number, added: number): RunReport => ({
  result: 'ok',
  startedAt: new Date(at * 1000),
  durationMs: 1250,
  message: 'ok',
  exitCode: 0,
  counts: { domains: 4, addresses: 23, added, modified: 1, deleted: 2 },
  digest: 'sha256:00',
});
const failed = (at: number): RunReport => ({ result: 'failed', startedAt: new Date(at * 1000), durationMs: 40, message: 'connect: refused', exitCode: 1 });

// The text exposition format, line by line: HELP and TYPE comments, then samples
// `name{label="value",...} number`.
const HELP = /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/;
const TYPE = /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/;

function checkExposition(text: string): Map<string, number> {
  expect(text.endsWith('\n')).to.equal(true);
  const samples = new Map<string, number>();
  const typed = new Map<string, string>();
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('# HELP')) expect(line).to.match(HELP);
    else if (line.startsWith('# TYPE')) {
      expect(line).to.match(TYPE);
      const [, , name, type] = line.split(' ');
      expect(typed.has(name!), `TYPE twice for ${name}`).to.equal(false);
      typed.set(name!, type!);
    } else {
      const m = SAMPLE.exec(line);
      expect(m, line).to.not.equal(null);
      expect(typed.has(m![1]!), `sample before its TYPE: ${line}`).to.equal(true);
      if (typed.get(m![1]!) === 'counter') expect(m![1]).to.match(/_total$/);
      samples.set(`${m![1]}${m![2] ?? ''}`, Number(m![4]));
    }
  }
  return samples;
}

describe('service: Prometheus metrics', () => {
  it('renders valid text exposition format with HELP and TYPE for every metric', () => {
    const samples = checkExposition(renderMetrics(nextMetrics(EMPTY_METRICS, ok(1_700_000_000, 3))));
    expect(samples.get('mxdir_last_success_timestamp_seconds')).to.equal(1_700_000_000);
    expect(samples.get('mxdir_last_run_timestamp_seconds')).to.equal(1_700_000_000);
    expect(samples.get('mxdir_last_run_duration_seconds')).to.equal(1.25);
    expect(samples.get('mxdir_last_run_success')).to.equal(1);
    expect(samples.get('mxdir_published_addresses')).to.equal(23);
    expect(samples.get('mxdir_published_domains')).to.equal(4);
    expect(samples.get('mxdir_operations_total{op="add"}')).to.equal(3);
    expect(samples.get('mxdir_operations_total{op="modify"}')).to.equal(1);
    expect(samples.get('mxdir_operations_total{op="delete"}')).to.equal(2);
    expect(samples.get('mxdir_runs_total{result="ok"}')).to.equal(1);
    expect(samples.get('mxdir_errors_total')).to.equal(0);
  });

  it('a failed run keeps the last success and published counts, and counts an error', () => {
    const after = nextMetrics(nextMetrics(EMPTY_METRICS, ok(1000, 3)), failed(2000));
    const samples = checkExposition(renderMetrics(after));
    expect(samples.get('mxdir_last_run_timestamp_seconds')).to.equal(2000);
    expect(samples.get('mxdir_last_success_timestamp_seconds')).to.equal(1000);
    expect(samples.get('mxdir_last_run_success')).to.equal(0);
    expect(samples.get('mxdir_published_addresses')).to.equal(23);
    expect(samples.get('mxdir_errors_total')).to.equal(1);
    expect(samples.get('mxdir_runs_total{result="failed"}')).to.equal(1);
  });

  it('counters survive a round trip through the file, so one-shot runs keep counting', () => {
    let text = renderMetrics(EMPTY_METRICS);
    for (let i = 0; i < 3; i++) text = renderMetrics(nextMetrics(parseMetrics(text), ok(1000 + i, 2)));
    text = renderMetrics(nextMetrics(parseMetrics(text), failed(2000)));
    const samples = checkExposition(text);
    expect(samples.get('mxdir_operations_total{op="add"}')).to.equal(6);
    expect(samples.get('mxdir_runs_total{result="ok"}')).to.equal(3);
    expect(samples.get('mxdir_errors_total')).to.equal(1);
    expect(samples.get('mxdir_last_success_timestamp_seconds')).to.equal(1002);
  });

  it('no success yet: last success is 0, so an age alert fires', () => {
    const samples = checkExposition(renderMetrics(nextMetrics(EMPTY_METRICS, failed(2000))));
    expect(samples.get('mxdir_last_success_timestamp_seconds')).to.equal(0);
  });

  it('garbage in the previous file starts from zero', () => {
    expect(parseMetrics('not metrics\nmxdir_errors_total banana\n')).to.deep.equal(EMPTY_METRICS);
  });
});
