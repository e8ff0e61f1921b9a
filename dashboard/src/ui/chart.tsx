import { useEffect, useRef } from 'preact/hooks';
import uPlot, { type AlignedData, type Options } from 'uplot';

export interface Series {
  label: string;
  color: string;
  /** Values per timestamp of the chart; null: no point. */
  values: (number | null)[];
}

/** A uPlot time chart that keeps its instance and only swaps data (no flicker on live updates). */
export function TimeChart(props: { times: number[]; series: Series[]; unit?: string; height?: number; title: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = host.current!;
    const options: Options = {
      width: el.clientWidth || 400,
      height: props.height ?? 180,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => `${t}${props.unit ?? ''}`), size: 56 }],
      series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false }))],
    };
    plot.current = new uPlot(options, data(props), el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: props.height ?? 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Re-made only when the set of series changes; data changes go through setData below.
  }, [shape]);

  useEffect(() => plot.current?.setData(data(props)), [props.times, props.series]);

  return <div class="chart" ref={host} aria-label={props.title} />;
}

const data = (props: { times: number[]; series: Series[] }): AlignedData => [
  props.times.map((t) => t / 1_000),
  ...props.series.map((s) => s.values),
];
