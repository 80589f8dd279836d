import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartDataset,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'react';

Chart.register(
  LineController,
  BarController,
  LineElement,
  BarElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Tooltip,
  Legend,
  Filler,
);

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

export interface Series {
  label: string;
  values: (number | null)[];
}

/**
 * A line or bar chart. Screen readers get its numbers as a table after the canvas, which is also what lets a
 * test check what the chart was given.
 */
export function TimeChart(props: { title: string; labels: string[]; series: Series[]; kind?: 'line' | 'bar' }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const kind = props.kind ?? 'line';
  useEffect(() => {
    const element = canvas.current;
    if (element === null) return undefined;
    const datasets = props.series.map(
      (series, index): ChartDataset<'line' | 'bar', (number | null)[]> => ({
        label: series.label,
        data: series.values,
        borderColor: COLOURS[index % COLOURS.length],
        backgroundColor: `${COLOURS[index % COLOURS.length]}55`,
        pointRadius: 2,
        borderWidth: 2,
        tension: 0.25,
        spanGaps: true,
      }),
    );
    chart.current = new Chart(element, {
      type: kind,
      data: { labels: props.labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { display: props.series.length > 1, position: 'bottom' } },
        scales: { x: { ticks: { maxTicksLimit: 6, autoSkip: true } }, y: { beginAtZero: true } },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [props.labels, props.series, kind]);
  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <div className="chart-canvas">
        <canvas ref={canvas} role="img" aria-label={`${props.title} chart`} data-chart={props.title} />
      </div>
      <table className="visually-hidden">
        <caption>{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {props.series.map((series) => (
              <th scope="col" key={series.label}>
                {series.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.labels.map((label, index) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              {props.series.map((series) => (
                <td key={series.label}>{formatPoint(series.values[index])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function formatPoint(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return String(Math.round(value * 1_000_000) / 1_000_000);
}
