// The bench's plot as hand-written SVG: no-op purge cost against table size (log-log), backlog removal times, and the
// pairs behind the ratios on Aria-shaped data (no-message check, archive, writers, pause).
import type { BenchResults } from './run.ts';
import { median } from './stats.ts';

const W = 1000;
const H = 800;
const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';
const OURS = '#1f6fb4';
const NAIVE = '#d62728';
const GREY = '#7f7f7f';

const fmtSize = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toFixed(2));
const text = (x: number, y: number, body: string, attrs = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${FONT} ${attrs.includes('font-size') ? '' : 'font-size="13"'} ${attrs}>${body}</text>`;
const line = (x1: number, y1: number, x2: number, y2: number, attrs: string) =>
  `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${attrs}/>`;

export function renderPlot(results: BenchResults): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    noopPanel(results, 70, 60, 380, 300),
    removalPanel(results, 640, 60, 320, 300),
    pairsPanel(results, 70, 470, 890, 260),
    text(
      20,
      H - 16,
      `session-sweeper bench (${results.mode} run), ${results.machine.cpus} CPUs, PostgreSQL ${results.machine.postgres.version}; medians of repeated runs`,
      `fill="${GREY}" font-size="12"`,
    ),
    '</svg>\n',
  ].join('\n');
}

/** Log-log: the per-minute job's cost when nothing is eligible, ours against the naive query. */
function noopPanel(results: BenchResults, left: number, top: number, width: number, height: number) {
  const sizes = results.noop.map((p) => p.sessions);
  const values = results.noop.flatMap((p) => [p.ours_ms, p.naive_ms]);
  const [xMin, xMax] = [Math.min(...sizes) / 2, Math.max(...sizes) * 2];
  const [yMin, yMax] = [
    10 ** Math.floor(Math.log10(Math.min(...values))),
    10 ** Math.ceil(Math.log10(Math.max(...values))),
  ];
  const x = (v: number) => left + ((Math.log10(v) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * width;
  const y = (v: number) =>
    top + height - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * height;

  const parts = [
    text(left, top - 28, 'No-op purge (nothing eligible) vs table size', 'font-size="16" font-weight="bold"'),
  ];
  for (let v = yMin; v <= yMax * 1.0001; v *= 10) {
    parts.push(line(left, y(v), left + width, y(v), 'stroke="#e5e5e5"'));
    parts.push(text(left - 8, y(v) + 4, `${+v.toPrecision(1)} ms`, 'text-anchor="end" font-size="12"'));
  }
  for (const s of sizes) {
    parts.push(line(x(s), top, x(s), top + height, 'stroke="#f0f0f0"'));
    parts.push(text(x(s), top + height + 18, fmtSize(s), 'text-anchor="middle" font-size="12"'));
  }
  parts.push(`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#999"/>`);
  parts.push(text(left + width / 2, top + height + 40, 'sessions in the table (log scale)', 'text-anchor="middle"'));
  parts.push(
    text(
      left - 58,
      top + height / 2,
      'time per run (log scale)',
      `text-anchor="middle" transform="rotate(-90 ${left - 58} ${top + height / 2})"`,
    ),
  );

  const series: [string, string, (p: BenchResults['noop'][number]) => number, number][] = [
    ['naive DELETE, no index (original plan)', NAIVE, (p) => p.naive_ms, -10],
    ['ours: the cron job command', OURS, (p) => p.ours_ms, 18],
  ];
  series.forEach(([label, color, value, labelDy], i) => {
    const points = results.noop.map((p) => [x(p.sessions), y(value(p)), value(p)] as const);
    parts.push(
      `<polyline points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2.5"/>`,
    );
    for (const [px, py, v] of points) {
      parts.push(`<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="4" fill="${color}"/>`);
      parts.push(text(px, py + labelDy, fmtMs(v), `text-anchor="middle" font-size="11" fill="${color}"`));
    }
    parts.push(line(left + 10, top + 16 + i * 18, left + 30, top + 16 + i * 18, `stroke="${color}" stroke-width="3"`));
    parts.push(text(left + 36, top + 20 + i * 18, label, 'font-size="12"'));
  });
  return parts.join('\n');
}

/** Bars: time to remove a ghost backlog, ours against the single-statement floor, and at two table sizes. */
function removalPanel(results: BenchResults, left: number, top: number, width: number, height: number) {
  const { large, removal: r, independence: ind } = results.config;
  const bars: [string, number, string][] = [
    [`ours (cron job): ${fmtSize(r.ghosts)} ghosts among ${fmtSize(large)}`, results.removal.ours.median_ms, OURS],
    ['one indexed DELETE, same rows (floor)', results.removal.single_delete.median_ms, GREY],
    ['DELETE … WHERE id = ANY($1), same rows', results.removal.delete_any_ids.median_ms, GREY],
    ...results.independence.map(
      (i) =>
        [`ours: ${fmtSize(ind.ghosts)} ghosts among ${fmtSize(i.sessions)}`, i.median_ms, OURS] as [
          string,
          number,
          string,
        ],
    ),
  ];
  const max = Math.max(...bars.map(([, v]) => v)) * 1.15;
  const slot = height / bars.length;
  const parts = [
    text(left - 140, top - 28, 'Removing a ghost backlog (lower is better)', 'font-size="16" font-weight="bold"'),
  ];
  bars.forEach(([label, value, color], i) => {
    const barTop = top + i * slot + slot * 0.45;
    parts.push(text(left - 140, barTop - 6, label, 'font-size="12"'));
    parts.push(
      `<rect x="${left - 140}" y="${barTop.toFixed(1)}" width="${((value / max) * (width + 140)).toFixed(1)}" height="${(slot * 0.35).toFixed(1)}" fill="${color}"/>`,
    );
    parts.push(
      text(left - 140 + (value / max) * (width + 140) + 6, barTop + slot * 0.3, `${fmtMs(value)} ms`, 'font-size="12"'),
    );
  });
  return parts.join('\n');
}

/** One small bar chart per ratio added for Aria-shaped data: its two sides, each a median, with the ratio. */
function pairsPanel(results: BenchResults, left: number, top: number, width: number, height: number) {
  const { removal, archive, writers, ratios, config } = results;
  const groups: [string, number, [string, number, string][]][] = [
    [
      'no-message check',
      ratios.ghost_check_overhead.value,
      [
        [`ours, ${fmtSize(config.removal.ghosts)} ghosts`, removal.ours.median_ms, OURS],
        ['same loop, no check', removal.without_check.median_ms, GREY],
      ],
    ],
    [
      'archive + delete',
      ratios.archive_over_aria_prune.value,
      [
        [`ours, ${fmtSize(config.archive.stale)} stale`, median(archive.ours_ms), OURS],
        ["Aria's prune", median(archive.aria_ms), GREY],
      ],
    ],
    [
      'writers p99',
      ratios.writer_p99_during_purge_over_idle.value,
      [
        ['during a purge', writers.p99_during_purge_ms, OURS],
        ['idle', writers.p99_idle_ms, GREY],
      ],
    ],
    [
      `backlog speed, at most ${config.job_defaults.ghosts_per_second}/s`,
      writers.rate_limit_cost,
      [
        ['as the job, s per 10k', 10_000 / median(writers.ghosts_per_second_as_the_job), OURS],
        ['no limit', 10_000 / median(writers.ghosts_per_second_unlimited), GREY],
      ],
    ],
  ];
  const parts = [
    text(
      left,
      top - 28,
      "On Aria-shaped data: each ratio's two sides (medians, lower is better)",
      'font-size="16" font-weight="bold"',
    ),
  ];
  const slot = width / groups.length;
  groups.forEach(([title, value, bars], g) => {
    const x0 = left + g * slot;
    const max = Math.max(...bars.map(([, v]) => v)) * 1.2;
    const barWidth = slot * 0.3;
    parts.push(
      text(
        x0 + slot * 0.45,
        top,
        `${title}: ${value.toFixed(2)}`,
        'text-anchor="middle" font-size="13" font-weight="bold"',
      ),
    );
    bars.forEach(([label, v, color], i) => {
      const h = (v / max) * (height - 60);
      const x = x0 + slot * 0.1 + i * (barWidth + 10);
      const y = top + height - 30 - h;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`,
      );
      parts.push(text(x + barWidth / 2, y - 6, `${fmtMs(v)} ms`, 'text-anchor="middle" font-size="12"'));
      parts.push(text(x + barWidth / 2, top + height - 12 + i * 14, label, 'text-anchor="middle" font-size="11"'));
    });
  });
  return parts.join('\n');
}
