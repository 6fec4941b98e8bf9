import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Metrics } from '../src/infra/metrics.js';

/**
 * docs/grafana-dashboard.json must import as is (Dashboards → Import asks for the Prometheus data source through
 * the DS_PROMETHEUS input) and chart only what LUNA exports: the metric names come from LUNA's own Registry.
 */

const Target = z.looseObject({
  expr: z.string().min(1),
  refId: z.string(),
  datasource: z.looseObject({ type: z.string(), uid: z.string() }),
});
const Panel = z.looseObject({
  id: z.number().int(),
  type: z.string(),
  title: z.string().min(1),
  gridPos: z.object({ h: z.number(), w: z.number(), x: z.number(), y: z.number() }),
  datasource: z.looseObject({ type: z.string(), uid: z.string() }).optional(),
  targets: z.array(Target).default([]),
});
const Dashboard = z.looseObject({
  __inputs: z.array(z.looseObject({ name: z.string(), type: z.string(), pluginId: z.string() })),
  schemaVersion: z.number().int(),
  uid: z.string().min(1),
  title: z.string().min(1),
  panels: z.array(Panel),
  templating: z.object({ list: z.array(z.looseObject({ query: z.unknown().optional() })) }),
});

const dashboard = Dashboard.parse(
  JSON.parse(readFileSync(new URL('../docs/grafana-dashboard.json', import.meta.url), 'utf8')),
);
const targets = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, ...t })));
const DATASOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };

/** Every series name LUNA's /metrics can show: each metric, and a histogram's _bucket, _sum and _count. */
async function exportedSeries(): Promise<{ series: Set<string>; metrics: string[] }> {
  const metrics = await new Metrics().registry.getMetricsAsJSON();
  const series = new Set(
    metrics.flatMap((m) =>
      String(m.type) === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => m.name + s) : [m.name],
    ),
  );
  return { series, metrics: metrics.map((m) => m.name) };
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: what is left once strings, label matchers, ranges, grouping
 * clauses and Grafana variables are taken out, minus function calls, keywords and numbers.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  return [...bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)]
    .map((m) => m[1]!)
    .filter((name) => !KEYWORDS.has(name.toLowerCase()));
}

describe('docs/grafana-dashboard.json', () => {
  it('is importable as is: schemaVersion ≥ 36 and a DS_PROMETHEUS data source input used by every query', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    );
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) expect(t.datasource, t.panel).toEqual(DATASOURCE);
    for (const p of dashboard.panels.filter((p) => p.type !== 'row')) expect(p.datasource, p.title).toEqual(DATASOURCE);
    expect(JSON.stringify(dashboard)).not.toMatch(
      /"uid":\s*"(?!\$\{DS_PROMETHEUS\}|-- Grafana --|luna-overview)[^"]*"/,
    );
  });

  it('queries only metrics LUNA exports', async () => {
    const { series } = await exportedSeries();
    for (const t of targets) {
      const names = metricNames(t.expr);
      expect(names, `${t.panel}: ${t.expr}`).not.toEqual([]);
      for (const name of names) expect(series.has(name), `${t.panel}: ${name} is not a metric LUNA exports`).toBe(true);
    }
  });

  it('charts every metric LUNA defines itself, and the process CPU and RSS', async () => {
    const { metrics } = await exportedSeries();
    const used = new Set(targets.flatMap((t) => metricNames(t.expr)).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    // Feedback (luna_answer_feedback_total) is charted exactly when LUNA defines it, like any other of its metrics.
    for (const name of metrics.filter((n) => !n.startsWith('luna_process_')))
      expect(used, `a panel for ${name}`).toContain(name);
    expect(used).toContain('luna_process_process_cpu_seconds_total');
    expect(used).toContain('luna_process_process_resident_memory_bytes');
  });

  it('lays panels out on the 24-column grid with unique ids', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
  });

  it('reads metric names out of PromQL', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, luna_job) (label_replace(rate(luna_job_duration_seconds_bucket{kind=~"a|b"}[$__rate_interval]), "luna_job", "$1", "job", "(.*)")))',
      ),
    ).toEqual(['luna_job_duration_seconds_bucket']);
    expect(metricNames('sum(rate(a_total[5m])) / sum(rate(b_total[5m])) * 60 + up')).toEqual([
      'a_total',
      'b_total',
      'up',
    ]);
  });
});
