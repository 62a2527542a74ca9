// The order list: filters, keyset "load more", live row updates, the "new order" dialog, per-row actions.

import { api, lastWritePosition } from "../api.js";
import { sparkline } from "../charts.js";
import {
  actionsFor, badge, duration, h, icon, money, number, shortId, STATUSES, timeEl, titleCase, unitCount,
} from "../dom.js";
import { live, projections } from "../live.js";
import { actionButton, errorAlert, newOrderDialog, toast } from "../ui.js";

const PAGE_SIZE = 25;

// Kept across navigation, so going back to the list keeps the filters.
const filters = { user_id: "", status: "", from: "", to: "" };

function localDayStart(date, plusDays = 0) {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}

function queryFilters() {
  return {
    user_id: filters.user_id.trim(),
    status: filters.status,
    created_from: filters.from ? localDayStart(filters.from) : null,
    created_to: filters.to ? localDayStart(filters.to, 1) : null, // exclusive: the end of the chosen day
  };
}

/** Whether an order (a row or a state) passes the current filters. */
function matches(o) {
  const q = queryFilters();
  if (q.user_id && o.user_id !== q.user_id) return false;
  if (q.status && o.status !== q.status) return false;
  const created = Date.parse(o.created_at);
  if (q.created_from && created < Date.parse(q.created_from)) return false;
  if (q.created_to && created >= Date.parse(q.created_to)) return false;
  return true;
}

/** A read-model-shaped row from a write-side state. */
export function stateToRow(st) {
  return {
    order_id: st.order_id, user_id: st.user_id, status: st.status, total_amount: st.total_amount,
    currency: st.currency, refunded_amount: st.refunded_amount, item_count: unitCount(st.items),
    created_at: st.created_at, updated_at: st.updated_at, paid_at: st.paid_at, version: st.version,
  };
}

function kpi(label, testid) {
  const value = h("div", { class: "kpi-value", "data-testid": testid }, "—");
  const spark = h("div", { class: "kpi-spark" });
  return { el: h("div", { class: "card kpi" }, h("div", { class: "kpi-label" }, label), value, spark), value, spark };
}

export function ordersView() {
  const rows = new Map(); // order_id -> { data, tr }
  let cursor = null;
  let generation = 0;

  // ---------- header & KPIs ----------
  const newBtn = h("button", { class: "btn btn-primary", type: "button", "data-testid": "new-order-button" }, icon("plus"), "New order");
  const refreshBtn = h("button", { class: "btn", type: "button", "data-testid": "refresh", title: "Reload the list" }, icon("refresh"), "Refresh");
  const kHead = kpi("Store head", "kpi-head");
  kHead.spark.replaceChildren(h("div", { class: "kpi-sub" }, "position of the last committed event"));
  const kEps = kpi("Read-model throughput", "kpi-throughput");
  const kLag = kpi("Read-model lag", "kpi-lag");
  const kLive = kpi("Live events this session", "kpi-live");

  // ---------- filters ----------
  const fUser = h("input", { class: "input", name: "user_id", placeholder: "Any customer", value: filters.user_id, autocomplete: "off", "data-testid": "filter-user" });
  const fStatus = h("select", { class: "input", name: "status", "data-testid": "filter-status", value: filters.status },
    h("option", { value: "" }, "All statuses"), STATUSES.map((st) => h("option", { value: st }, titleCase(st))));
  const fFrom = h("input", { class: "input", type: "date", name: "from", value: filters.from, "data-testid": "filter-from" });
  const fTo = h("input", { class: "input", type: "date", name: "to", value: filters.to, "data-testid": "filter-to" });
  const resetBtn = h("button", { class: "btn btn-ghost", type: "button", "data-testid": "filter-reset" }, "Reset");
  const filterForm = h("form", { class: "filters", "data-testid": "filters" },
    h("label", { class: "field wide" }, h("span", null, "Customer"), fUser),
    h("label", { class: "field" }, h("span", null, "Status"), fStatus),
    h("label", { class: "field" }, h("span", null, "Created from"), fFrom),
    h("label", { class: "field" }, h("span", null, "Created to"), fTo),
    h("div", { class: "page-actions" },
      h("button", { class: "btn", type: "submit", "data-testid": "filter-apply" }, "Apply"), resetBtn),
    h("div", { class: "spacer" }),
    h("span", { class: "counter", "data-testid": "order-count" }));

  // ---------- table ----------
  const tbody = h("tbody", { "data-testid": "order-rows" });
  const errorSlot = h("div");
  const moreBtn = h("button", { class: "btn", type: "button", "data-testid": "load-more" }, "Load more");
  const foot = h("div", { class: "card-foot", hidden: true }, moreBtn);
  const table = h("div", { class: "table-wrap" },
    h("table", { class: "table", "data-testid": "order-table" },
      h("thead", null, h("tr", null,
        h("th", null, "Order"), h("th", null, "Customer"), h("th", null, "Status"), h("th", { class: "num" }, "Units"),
        h("th", { class: "num" }, "Total"), h("th", null, "Created"), h("th", null, "Updated"), h("th", { class: "actions" }, "Actions"))),
      tbody));

  const el = h("div", { class: "page", "data-testid": "orders-page" },
    h("div", { class: "page-head" },
      h("div", null, h("h1", null, "Orders"),
        h("p", null, "Newest first, from the orders read model. Rows update live as events arrive.")),
      h("div", { class: "page-actions" }, refreshBtn, newBtn)),
    h("div", { class: "kpis" }, kHead.el, kEps.el, kLag.el, kLive.el),
    h("div", { class: "card" }, filterForm, errorSlot, table, foot));

  // ---------- rows ----------
  function rowEl(o) {
    const onDone = (st) => (st ? upsert(stateToRow(st), true) : refreshOrder(o.order_id));
    const tr = h("tr", {
      class: `clickable${matches(o) ? "" : " off-filter"}`, "data-testid": "order-row", "data-order-id": o.order_id,
      "data-status": o.status, "data-version": o.version,
    },
    h("td", null, h("a", { class: "order-id", href: `#/orders/${encodeURIComponent(o.order_id)}`, title: o.order_id, "data-testid": "order-link" }, shortId(o.order_id))),
    h("td", { "data-testid": "order-user" }, o.user_id),
    h("td", null, badge(o.status)),
    h("td", { class: "num" }, number(o.item_count)),
    h("td", { class: "num", "data-testid": "order-total" }, money(o.total_amount, o.currency)),
    h("td", { class: "nowrap" }, timeEl(o.created_at)),
    h("td", { class: "nowrap" }, timeEl(o.updated_at)),
    h("td", { class: "actions" }, actionsFor(o).map((a) => actionButton(o, a, onDone))));
    tr.addEventListener("click", (ev) => {
      if (!ev.target.closest("a, button")) location.hash = `#/orders/${encodeURIComponent(o.order_id)}`;
    });
    return tr;
  }

  function showEmpty() {
    if (rows.size > 0) return;
    const filtered = Object.values(filters).some(Boolean);
    const cta = h("button", { class: "btn btn-primary", type: "button" }, icon("plus"), "Create an order");
    cta.addEventListener("click", openNew);
    tbody.replaceChildren(h("tr", null, h("td", { colspan: 8 },
      h("div", { class: "empty", "data-testid": "orders-empty" },
        h("div", { class: "empty-title" }, filtered ? "No orders match these filters" : "No orders yet"),
        h("div", null, filtered ? "Try another customer, status or date range." : "Orders you create appear here, live."),
        filtered ? null : cta))));
  }

  function updateCount() {
    foot.hidden = !cursor;
    el.querySelector("[data-testid=order-count]").textContent =
      `${number(rows.size)} order${rows.size === 1 ? "" : "s"} shown${cursor ? " · more available" : ""}`;
  }

  /** Inserts or replaces a row; a new row goes where its created_at puts it (newest first). */
  function upsert(o, flash) {
    const existing = rows.get(o.order_id);
    if (existing && existing.data.version >= o.version) return; // nothing new, or an older answer arriving late
    const tr = rowEl(o);
    if (flash) tr.classList.add("flash");
    if (existing) {
      existing.tr.replaceWith(tr);
    } else {
      if (rows.size === 0) tbody.replaceChildren();
      const after = [...rows.values()].find((r) => Date.parse(r.data.created_at) < Date.parse(o.created_at));
      if (after) after.tr.before(tr);
      else tbody.append(tr);
    }
    rows.set(o.order_id, { data: o, tr });
    updateCount();
  }

  async function refreshOrder(id) {
    try {
      upsert(stateToRow(await api.order(id)), true);
    } catch (err) {
      console.warn("could not refresh", id, err);
    }
  }

  async function load(append) {
    const gen = append ? generation : ++generation;
    errorSlot.replaceChildren();
    if (!append) {
      rows.clear();
      cursor = null;
      tbody.replaceChildren(h("tr", { class: "loading-row" }, h("td", { colspan: 8 }, "Loading orders…")));
    }
    moreBtn.classList.add("busy");
    try {
      const page = await api.listOrders({ ...queryFilters(), limit: PAGE_SIZE, cursor: append ? cursor : null, min_position: lastWritePosition() });
      if (gen !== generation) return;
      if (!append) tbody.replaceChildren();
      for (const o of page.orders) {
        if (!rows.has(o.order_id)) {
          const tr = rowEl(o);
          tbody.append(tr);
          rows.set(o.order_id, { data: o, tr });
        }
      }
      cursor = page.next_cursor;
      showEmpty();
      updateCount();
    } catch (err) {
      if (gen !== generation) return;
      if (!append) tbody.replaceChildren();
      errorSlot.replaceChildren(errorAlert(err, "list-error"));
    } finally {
      moreBtn.classList.remove("busy");
    }
  }

  function openNew() {
    newOrderDialog((st, correlationId) => {
      const row = stateToRow(st);
      if (matches(row)) upsert(row, true);
      toast({ kind: "success", title: "Order created",
        message: h("span", null, h("a", { href: `#/orders/${encodeURIComponent(st.order_id)}` }, shortId(st.order_id)),
          ` · ${money(st.total_amount, st.currency)} for ${st.user_id}`, correlationId ? ` · correlation ${correlationId.slice(0, 8)}` : "") });
    });
  }

  // ---------- events ----------
  newBtn.addEventListener("click", openNew);
  refreshBtn.addEventListener("click", () => load(false));
  moreBtn.addEventListener("click", () => load(true));
  filterForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    Object.assign(filters, { user_id: fUser.value, status: fStatus.value, from: fFrom.value, to: fTo.value });
    load(false);
  });
  fStatus.addEventListener("change", () => filterForm.requestSubmit());
  resetBtn.addEventListener("click", () => {
    Object.assign(filters, { user_id: "", status: "", from: "", to: "" });
    fUser.value = ""; fStatus.value = ""; fFrom.value = ""; fTo.value = "";
    load(false);
  });

  // Live rows: refresh a shown order when one of its events arrives; show a new order that passes the filters.
  const pending = new Set();
  let flushTimer = null;
  const flush = async () => {
    flushTimer = null;
    const ids = [...pending];
    pending.clear();
    await Promise.all(ids.map(refreshOrder));
  };
  const unsubscribe = live.subscribe((ev) => {
    if (ev.backlog || !ev.aggregate_id) return;
    const known = rows.has(ev.aggregate_id);
    const created = ev.event_type === "OrderCreated" && matches({ ...ev.event_data, status: "created" });
    if (!known && !created) return;
    pending.add(ev.aggregate_id);
    flushTimer ||= setTimeout(flush, 120);
  });

  const unwatch = projections.subscribe((m) => {
    const p = m.find("orders");
    const samples = m.samples.get("orders") || [];
    if (p) {
      kHead.value.replaceChildren(p.head);
      kEps.value.replaceChildren(number(p.events_per_second, 1), h("small", null, "events/s"));
      kLag.value.replaceChildren(duration(p.lag_ms), h("small", null, `${number(p.lag_events)} events`));
      sparkline(kEps.spark, samples.slice(-60).map((x) => x.eps), "#6366f1");
      sparkline(kLag.spark, samples.slice(-60).map((x) => x.lagMs), "#f79009");
    }
    kLive.value.replaceChildren(number(live.received), h("small", null, `${number(live.rate(), 1)}/s`));
  });

  load(false);
  return {
    el,
    dispose() {
      unsubscribe();
      unwatch();
      clearTimeout(flushTimer);
    },
  };
}
