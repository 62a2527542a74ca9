// Small SVG line charts drawn by hand: a time window ending now, a nice y scale, gridlines, an area under the line.

import { s } from "./dom.js";

let gradientIds = 0;

/** The smallest "nice" number (1, 2, 2.5, 5 × 10^n) at or above v. */
function niceCeil(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

/**
 * Draws into `box` (its size decides the chart's) a line of `points` ([{t, v}], t in ms) over the last `windowMs`.
 * Options: color, format (y labels), minMax (the y scale's smallest top).
 */
export function lineChart(box, points, { color = "#6366f1", format = String, windowMs = 120_000, minMax = 1 } = {}) {
  const width = Math.max(box.clientWidth, 120);
  const height = Math.max(box.clientHeight, 60);
  const pad = { left: 40, right: 8, top: 8, bottom: 20 };
  const w = width - pad.left - pad.right;
  const hgt = height - pad.top - pad.bottom;
  const now = Date.now();
  const from = now - windowMs;
  const visible = points.filter((p) => p.t >= from - 1000 && p.v !== null && p.v !== undefined);
  const top = niceCeil(Math.max(minMax, ...visible.map((p) => p.v)) * 1.1);
  const x = (t) => pad.left + Math.max(0, Math.min(1, (t - from) / windowMs)) * w;
  const y = (v) => pad.top + hgt - (Math.max(0, v) / top) * hgt;

  const id = `g${++gradientIds}`;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img" },
    s("defs", null,
      s("linearGradient", { id, x1: 0, y1: 0, x2: 0, y2: 1 },
        s("stop", { offset: "0%", "stop-color": color, "stop-opacity": 0.22 }),
        s("stop", { offset: "100%", "stop-color": color, "stop-opacity": 0 }))));

  const grid = s("g", { class: "grid" });
  const axis = s("g", { class: "axis" });
  for (let i = 0; i <= 2; i++) {
    const v = (top * i) / 2;
    grid.append(s("line", { x1: pad.left, x2: pad.left + w, y1: y(v), y2: y(v) }));
    axis.append(s("text", { x: pad.left - 6, y: y(v) + 3.5, "text-anchor": "end" }, format(v)));
  }
  const ago = (ms) => (ms >= 60_000 && ms % 60_000 === 0 ? `-${ms / 60_000}m` : `-${Math.round(ms / 1000)}s`);
  const ticks = [[from, ago(windowMs)], [from + windowMs / 2, ago(windowMs / 2)], [now, "now"]];
  ticks.forEach(([t, label], i) => {
    axis.append(s("text", { x: x(t), y: height - 5, "text-anchor": i === 0 ? "start" : i === 2 ? "end" : "middle" }, label));
  });
  svg.append(grid, axis);

  if (visible.length > 0) {
    const pts = visible.map((p) => [x(p.t), y(p.v)]);
    const line = pts.map(([px, py], i) => `${i ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`).join("");
    const base = y(0).toFixed(1);
    const area = `${line}L${pts.at(-1)[0].toFixed(1)},${base}L${pts[0][0].toFixed(1)},${base}Z`;
    svg.append(
      s("path", { d: area, fill: `url(#${id})` }),
      s("path", { d: line, fill: "none", stroke: color, "stroke-width": 2, "stroke-linejoin": "round", "stroke-linecap": "round" }),
      s("circle", { cx: pts.at(-1)[0], cy: pts.at(-1)[1], r: 3.5, fill: "#fff", stroke: color, "stroke-width": 2 }),
    );
  }
  box.replaceChildren(svg);
  box.dataset.points = String(visible.length);
}

/** A tiny line without axes, for KPI tiles. */
export function sparkline(box, values, color = "#6366f1") {
  const width = Math.max(box.clientWidth, 60);
  const height = 28;
  const top = Math.max(1, ...values) * 1.15;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const pts = values.map((v, i) => [i * step, height - 2 - (v / top) * (height - 4)]);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, "aria-hidden": "true" });
  if (pts.length > 1) {
    svg.append(s("path", {
      d: pts.map(([px, py], i) => `${i ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`).join(""),
      fill: "none", stroke: color, "stroke-width": 1.6, "stroke-linejoin": "round",
    }));
  }
  box.replaceChildren(svg);
}
