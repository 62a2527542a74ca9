// Projection status, lag and throughput: /api/projections polled every second, charts of the last two minutes.

import { lineChart } from "../charts.js";
import { badge, duration, h, number } from "../dom.js";
import { projections } from "../live.js";
import { errorAlert } from "../ui.js";
import { api } from "../api.js";

function bytes(n) {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${number(v, i ? 1 : 0)} ${units[i]}`;
}

// Storage: where the events are (hot disk, archive), how well they compress, what each part takes on disk.
function storageCard() {
  const events = stat("Events", "storage-events");
  const disk = stat("On disk", "storage-bytes");
  const hot = stat("Hot tier", "storage-hot");
  const archived = stat("Archived", "storage-archived");
  const ratio = stat("Compression", "storage-compression");
  const cache = stat("Block cache hits", "storage-cache");
  const parts = h("p", { class: "storage-note", "data-testid": "storage-parts" });
  const run = h("p", { class: "storage-note", "data-testid": "storage-last-archive" });
  const el = h("section", { class: "card", "data-testid": "storage-card" },
    h("div", { class: "card-head" }, h("h2", null, "Storage")),
    h("div", { class: "proj-stats" }, events.el, disk.el, hot.el, archived.el, ratio.el, cache.el),
    parts, run);
  function update(st) {
    events.value.replaceChildren(number(st.events));
    disk.value.replaceChildren(bytes(st.bytes_on_disk.total));
    parts.textContent = Object.entries(st.bytes_on_disk).filter(([k]) => k !== "total")
      .map(([k, v]) => `${k.replaceAll("_", " ")} ${bytes(v)}`).join(" · ");
    const t = st.tiers;
    if (t) {
      hot.value.replaceChildren(number(t.hot.events), h("small", null, bytes(t.hot.bytes)));
      archived.value.replaceChildren(number(t.archived.events), h("small", null, bytes(t.archived.bytes)));
      ratio.value.replaceChildren(st.compression.ratio ? `${number(st.compression.ratio, 1)}×` : "—");
      cache.value.replaceChildren(`${number(st.block_cache_hit_rate * 100, 1)}%`);
      const r = st.last_archive_run;
      run.textContent = r
        ? `Last archive run ${new Date(r.at).toLocaleString()}: ${r.segments} segment(s), ${number(r.events)} events${r.error ? ` — ${r.error}` : ""}`
        : "No archive run yet (archiving is off unless the server runs with --archive-url).";
    } else {
      for (const x of [hot, archived, ratio, cache]) x.value.replaceChildren("—");
      run.textContent = `The ${st.engine} engine keeps one tier.`;
    }
  }
  return { el, update };
}

function stat(label, testid) {
  const value = h("div", { class: "value", "data-testid": testid }, "—");
  return { el: h("div", { class: "proj-stat" }, h("div", { class: "label" }, label), value), value };
}

function projectionCard(name) {
  const state = h("span", { "data-testid": "projection-state" });
  const lagEvents = stat("Lag", "projection-lag-events");
  const lagMs = stat("Lag (time)", "projection-lag-ms");
  const eps = stat("Throughput", "projection-eps");
  const position = stat("Position", "projection-position");
  const head = stat("Store head", "projection-head");
  const dead = stat("Dead letters", "projection-dead-letters");
  const errorBox = h("div");
  const lagNow = h("span", { class: "now" });
  const epsNow = h("span", { class: "now" });
  const lagChart = h("div", { class: "chart-box", "data-testid": "chart-lag" });
  const epsChart = h("div", { class: "chart-box", "data-testid": "chart-throughput" });
  const el = h("section", { class: "card", "data-testid": "projection-card", "data-name": name },
    h("div", { class: "card-head" },
      h("h2", null, h("span", { class: "mono", "data-testid": "projection-name" }, name)),
      h("div", { class: "page-actions" }, h("span", { class: "sub", "data-testid": "projection-generation" }), state)),
    h("div", { class: "proj-stats" }, lagEvents.el, lagMs.el, eps.el, position.el, head.el, dead.el),
    errorBox,
    h("div", { class: "charts" },
      h("div", { class: "chart" }, h("div", { class: "chart-head" }, h("h3", null, "Lag (ms)"), lagNow), lagChart),
      h("div", { class: "chart" }, h("div", { class: "chart-head" }, h("h3", null, "Throughput (events/s)"), epsNow), epsChart)));

  function update(p, samples) {
    el.dataset.state = p.state;
    state.replaceChildren(badge(p.state));
    el.querySelector("[data-testid=projection-generation]").textContent = `generation ${p.generation}`;
    lagEvents.value.replaceChildren(number(p.lag_events), h("small", null, "events"));
    lagMs.value.replaceChildren(duration(p.lag_ms));
    eps.value.replaceChildren(number(p.events_per_second, 1), h("small", null, "/s"));
    position.value.replaceChildren(p.position);
    head.value.replaceChildren(p.head);
    dead.value.replaceChildren(number(p.dead_letters));
    lagNow.textContent = duration(p.lag_ms);
    epsNow.textContent = `${number(p.events_per_second, 1)}/s`;
    errorBox.replaceChildren(p.last_error
      ? h("div", { class: "alert proj-error", "data-testid": "projection-error" },
        h("div", null, h("span", { class: "alert-code" }, `failed at ${p.failed_position ?? "?"}`), h("span", { class: "alert-msg" }, p.last_error)))
      : "");
    // The window grows with the history kept (from 30 s up to 2 min), so a fresh page shows a line, not a dot.
    const span = samples.length ? Date.now() - samples[0].t : 0;
    const windowMs = Math.min(120_000, Math.max(30_000, Math.ceil(span / 30_000) * 30_000));
    lineChart(lagChart, samples.map((x) => ({ t: x.t, v: x.lagMs })), { color: "#f79009", windowMs, format: (v) => (v >= 1000 ? `${v / 1000}s` : `${v}`), minMax: 10 });
    lineChart(epsChart, samples.map((x) => ({ t: x.t, v: x.eps })), { color: "#6366f1", windowMs, format: (v) => number(v, v < 10 && v % 1 ? 1 : 0), minMax: 5 });
  }
  return { el, update };
}

export function projectionsView() {
  const cards = new Map();
  const list = h("div", { class: "proj-grid", "data-testid": "projections" });
  const errorSlot = h("div");
  const updated = h("span", { class: "counter", "data-testid": "projections-updated" }, "Loading…");
  const el = h("div", { class: "page", "data-testid": "projections-page" },
    h("div", { class: "page-head" },
      h("div", null, h("h1", null, "Projections"),
        h("p", null, "Read models fed from the global log: how far behind the store they are and how fast they apply events.")),
      updated),
    errorSlot, list);
  const storage = storageCard();
  el.append(storage.el);
  const refreshStorage = async () => {
    try {
      storage.update(await api.storage());
    } catch {
      // the storage card keeps its last figures; the projections above report connection problems
    }
  };
  refreshStorage();
  const storageTimer = setInterval(refreshStorage, 5000);

  const unwatch = projections.subscribe((m) => {
    if (m.error) {
      errorSlot.replaceChildren(errorAlert(m.error, "projections-error"));
      updated.textContent = "Not updating";
      return;
    }
    errorSlot.replaceChildren();
    for (const p of m.latest.projections) {
      let card = cards.get(p.name);
      if (!card) {
        card = projectionCard(p.name);
        cards.set(p.name, card);
        list.append(card.el);
      }
      card.update(p, m.samples.get(p.name) || []);
    }
    updated.textContent = `Updated ${new Date().toLocaleTimeString()} · every second`;
  });

  return { el, dispose: () => { unwatch(); clearInterval(storageTimer); } };
}
