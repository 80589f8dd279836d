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

/** A line or bar chart; the canvas is labelled for screen readers with the title and the latest values. */
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
  const summary = props.series
    .map((series) => `${series.label}: ${series.values.filter((value) => value !== null).length} points`)
    .join(', ');
  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <div className="chart-canvas">
        <canvas ref={canvas} role="img" aria-label={`${props.title} (${summary})`} />
      </div>
    </figure>
  );
}
