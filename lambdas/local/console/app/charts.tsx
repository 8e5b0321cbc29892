/**
 * The charts, drawn by uPlot: syncs and conflicts (409 answers) per minute over the last hour (the
 * endpoint counts them, lambdas/local/console/per-minute.ts), and bytes stored per pool
 * (DescribeIdentityPoolUsage's DataStorage).
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ActivitySummary, PoolSummary } from './api';

const WIDTH = 460;
const HEIGHT = 180;

function useChart(make: (element: HTMLElement) => uPlot, data: uPlot.AlignedData | undefined) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    if (!element.current || !data) return;
    if (!chart.current) chart.current = make(element.current);
    chart.current.setData(data);
  });
  useEffect(() => () => chart.current?.destroy(), []);
  return element;
}

export function PerMinuteChart({ perMinute }: { perMinute?: ActivitySummary['perMinute'] }) {
  const data: uPlot.AlignedData | undefined = perMinute && [perMinute.minutes, perMinute.syncs, perMinute.conflicts];
  const element = useChart(
    (target) =>
      new uPlot(
        {
          width: WIDTH,
          height: HEIGHT,
          series: [{}, { label: 'Syncs / min', stroke: '#2563eb', width: 2 }, { label: 'Conflicts (409) / min', stroke: '#dc2626', width: 2 }],
          axes: [{}, { label: 'per minute' }],
          scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        },
        [[], [], []],
        target,
      ),
    data,
  );
  return (
    <figure>
      <figcaption id="per-minute-caption">Syncs and conflicts per minute, last hour</figcaption>
      <div ref={element} role="img" aria-labelledby="per-minute-caption" />
    </figure>
  );
}

export function BytesPerPoolChart({ pools }: { pools?: PoolSummary[] }) {
  const data: uPlot.AlignedData | undefined = pools && [pools.map((_, i) => i), pools.map((p) => p.usage?.DataStorage ?? 0)];
  const names = pools?.map((p) => p.name) ?? [];
  const element = useChart(
    (target) =>
      new uPlot(
        {
          width: WIDTH,
          height: HEIGHT,
          scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          series: [{}, { label: 'Bytes', fill: '#93c5fd', stroke: '#2563eb', paths: uPlot.paths.bars?.({ size: [0.6, 80] }), points: { show: false } }],
          // One tick per pool, named.
          axes: [{ splits: () => names.map((_, i) => i), values: (_u, ticks) => ticks.map((t) => names[t] ?? '') }, { label: 'bytes' }],
        },
        [[], []],
        target,
      ),
    data,
  );
  return (
    <figure>
      <figcaption id="bytes-caption">Bytes stored per pool</figcaption>
      <div ref={element} role="img" aria-labelledby="bytes-caption" />
    </figure>
  );
}
