import { useKit } from '../../ui/kit-context';
import { layoutStackedBars, type ChartInput } from './chart-geometry';

/**
 * Series colours: distinguishable with the common colour-vision deficiencies and at least 3:1
 * against white (WCAG 1.4.11). The legend and the table carry the same information in words.
 */
export const seriesColours = ['#0b5394', '#b34700', '#00704f', '#8e3b8e', '#5c5c00', '#4d4d4d'];

const WIDTH = 720;
const HEIGHT = 280;

/** A stacked bar chart drawn as SVG; screen readers get its summary and the same numbers as a table. */
export function StackedBarChart({ input, summary, categoryLabel, tableLabel }: { input: ChartInput; summary: string; categoryLabel: (c: string) => string; tableLabel: string }) {
  const { Table } = useKit();
  const layout = layoutStackedBars(input, { width: WIDTH, height: HEIGHT });
  const rows = input.series.map((s, i) => ({ ...s, index: i }));

  return (
    <figure className="console-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} data-testid="retention-chart" className="console-chart-svg">
        {layout.ticks.map((tick) => (
          <g key={tick.value} aria-hidden="true">
            <line x1={layout.plot.left} x2={layout.plot.left + layout.plot.width} y1={tick.y} y2={tick.y} stroke="#d8dcde" />
            <text x={layout.plot.left - 6} y={tick.y + 4} textAnchor="end" fontSize="11" fill="#2f3941">
              {tick.value}
            </text>
          </g>
        ))}
        {layout.bars.map((bar) => (
          <g key={bar.category} aria-hidden="true">
            {bar.segments.map((segment) => (
              <rect key={segment.series} x={bar.x} y={segment.y} width={bar.width} height={segment.height} fill={seriesColours[segment.series % seriesColours.length]} />
            ))}
            <text x={bar.x + bar.width / 2} y={layout.plot.top + layout.plot.height + 16} textAnchor="middle" fontSize="11" fill="#2f3941">
              {/* "Mar 2026" on two lines, so twelve months fit side by side. */}
              {categoryLabel(bar.category)
                .split(' ')
                .map((line, i) => (
                  <tspan key={i} x={bar.x + bar.width / 2} dy={i === 0 ? 0 : 13}>
                    {line}
                  </tspan>
                ))}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>
        <ul className="console-legend" aria-label="Legend">
          {rows.map((s) => (
            <li key={s.name}>
              <span className="console-swatch" style={{ background: seriesColours[s.index % seriesColours.length] }} aria-hidden="true" />
              {s.name}
            </li>
          ))}
        </ul>
      </figcaption>
      <details className="console-chart-table">
        <summary>Show the numbers as a table</summary>
        <Table
          label={tableLabel}
          rows={rows}
          rowKey={(s) => s.name}
          columns={[
            { key: 'name', header: 'Meeting type', render: (s) => s.name },
            ...input.categories.map((category, i) => ({ key: category, header: categoryLabel(category), numeric: true, render: (s: (typeof rows)[number]) => s.values[i] ?? 0 })),
          ]}
        />
      </details>
    </figure>
  );
}
