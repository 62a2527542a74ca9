// One order: header with status and totals, actions, the time-travel slider, the event timeline, items, the audit
// trail. States at past versions never change (events are immutable), so each is fetched once and cached.

import { api } from "../api.js";
import {
  actionsFor, badge, dateTime, eventInfo, eventSummary, eventTypeEl, h, icon, money, number, shortId, timeEl, titleCase,
} from "../dom.js";
import { live } from "../live.js";
import { actionButton, errorAlert, toast } from "../ui.js";

function itemsLine(items, currency) {
  if (!items || items.length === 0) return "—";
  return items.map((i) => `${i.quantity} × ${i.sku} @ ${money(i.unit_price, currency)}`).join(", ");
}

/** What the time-travel panel shows: [key, label, render(state)]. */
const FIELDS = [
  ["status", "Status", (st) => badge(st.status)],
  ["total_amount", "Total", (st) => money(st.total_amount, st.currency)],
  ["items", "Items", (st) => itemsLine(st.items, st.currency)],
  ["refunded_amount", "Refunded", (st) => money(st.refunded_amount, st.currency)],
  ["payment_method", "Payment method", null],
  ["payment_id", "Payment id", null],
  ["carrier", "Carrier", null],
  ["tracking_number", "Tracking number", null],
  ["cancel_reason", "Cancel reason", null],
  ["return_reason", "Return reason", null],
  ["created_at", "Created", (st) => dateTime(st.created_at)],
  ["paid_at", "Paid", (st) => dateTime(st.paid_at)],
  ["shipped_at", "Shipped", (st) => dateTime(st.shipped_at)],
  ["delivered_at", "Delivered", (st) => dateTime(st.delivered_at)],
  ["cancelled_at", "Cancelled", (st) => dateTime(st.cancelled_at)],
  ["returned_at", "Returned", (st) => dateTime(st.returned_at)],
  ["refunded_at", "Refunded at", (st) => dateTime(st.refunded_at)],
];
const ALWAYS = new Set(["status", "total_amount", "items", "created_at"]);

function isEmpty(v) {
  return v === null || v === undefined || (typeof v === "number" && v === 0);
}

export function orderView(id) {
  let current = null;      // the latest state
  let events = [];         // the audit trail, oldest first
  let selected = 1;        // the version the slider shows
  let followLatest = true; // whether the slider moves along when new events arrive
  let selectToken = 0;
  const states = new Map(); // version -> state

  const headerCard = h("div", { class: "card", "data-testid": "order-header" });
  const slider = h("input", { class: "tt-slider", type: "range", min: 1, max: 1, step: 1, value: 1, "data-testid": "tt-slider", "aria-label": "Version" });
  const ticks = h("div", { class: "tt-ticks", "data-testid": "tt-ticks" });
  const caption = h("div", { class: "tt-caption", "data-testid": "tt-caption" });
  const stateGrid = h("dl", { class: "state-grid", "data-testid": "tt-state" });
  const prevBtn = h("button", { class: "btn btn-sm", type: "button", title: "Previous version", "aria-label": "Previous version", "data-testid": "tt-prev" }, icon("back"));
  const nextBtn = h("button", { class: "btn btn-sm", type: "button", title: "Next version", "aria-label": "Next version", "data-testid": "tt-next" }, icon("next"));
  const latestBtn = h("button", { class: "btn btn-sm", type: "button", "data-testid": "tt-latest" }, "Latest");
  const ttCard = h("section", { class: "card", "data-testid": "time-travel" },
    h("div", { class: "card-head" },
      h("h2", null, "Time travel ", h("span", { class: "sub" }, "· the order as it was after each event")),
      h("div", { class: "legend" }, h("span", { class: "sw" }), "changed by this event")),
    h("div", { class: "card-body" },
      h("div", { class: "tt-controls" }, prevBtn, h("div", { class: "tt-slider-wrap" }, slider, ticks), nextBtn, latestBtn),
      caption, stateGrid));
  const timeline = h("ol", { class: "timeline", "data-testid": "timeline" });
  const timelineCard = h("section", { class: "card" },
    h("div", { class: "card-head" }, h("h2", null, "Timeline"), h("span", { class: "sub", "data-testid": "timeline-count" })),
    h("div", { class: "card-body", style: { padding: "8px 4px" } }, timeline));
  const itemsCard = h("section", { class: "card", "data-testid": "order-items" });
  const detailsCard = h("section", { class: "card", "data-testid": "order-details" });
  const auditBody = h("tbody", { "data-testid": "audit-rows" });
  const auditCard = h("section", { class: "card", "data-testid": "audit-trail" },
    h("div", { class: "card-head" }, h("h2", null, "Audit trail ", h("span", { class: "sub" }, "· every event with who, when and under which correlation"))),
    h("div", { class: "table-wrap" }, h("table", { class: "table" },
      h("thead", null, h("tr", null, h("th", null, "Event"), h("th", { class: "num" }, "Version"), h("th", { class: "num" }, "Position"),
        h("th", null, "Timestamp"), h("th", null, "User"), h("th", null, "Correlation id"), h("th", null, "Data"))),
      auditBody)));
  const body = h("div", { class: "stack" },
    headerCard, ttCard,
    h("div", { class: "grid-2" }, timelineCard, h("div", { class: "stack" }, itemsCard, detailsCard)),
    auditCard);
  const errorSlot = h("div");
  const el = h("div", { class: "page", "data-testid": "order-page", "data-order-id": id },
    h("div", { class: "crumbs" }, h("a", { href: "#/orders", "data-testid": "back-to-orders" }, "Orders"), "›", h("span", { class: "mono" }, shortId(id))),
    errorSlot, body);
  body.hidden = true;

  // ---------- rendering ----------
  function renderHeader() {
    const st = current;
    const copy = h("button", { class: "btn btn-ghost btn-xs", type: "button", title: "Copy order id", "aria-label": "Copy order id" }, icon("copy"));
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(st.order_id);
        toast({ title: "Copied", message: st.order_id, timeout: 2000 });
      } catch {
        toast({ kind: "error", title: "Could not copy", message: st.order_id });
      }
    });
    const actions = actionsFor(st).map((a) => actionButton(st, a, () => reload(), { small: false }));
    headerCard.replaceChildren(
      h("div", { class: "order-head" },
        h("div", { class: "title" },
          h("div", { class: "id-line" }, h("h1", { "data-testid": "order-id" }, st.order_id), copy),
          h("div", { class: "id-line" }, h("span", { "data-testid": "order-status", "data-status": st.status }, badge(st.status, true)),
            h("span", { class: "pill pill-now" }, `version ${st.version}`)),
          h("div", { class: "order-meta" },
            h("span", null, "Customer ", h("b", { "data-testid": "order-customer" }, st.user_id)),
            h("span", null, "Placed ", h("b", null, timeEl(st.created_at, "full"))),
            h("span", null, "Last change ", h("b", null, timeEl(st.updated_at))))),
        h("div", { class: "order-total" },
          h("div", { class: "label" }, "Order total"),
          h("div", { class: "value", "data-testid": "order-total", "data-amount": st.total_amount }, money(st.total_amount, st.currency)),
          Number(st.refunded_amount) > 0 ? h("div", { class: "refunded" }, `${money(st.refunded_amount, st.currency)} refunded`) : null)),
      h("div", { class: "order-actions", "data-testid": "order-actions" },
        actions.length ? actions : h("span", { class: "muted" }, "No further actions: this order is complete."),
        h("span", { class: "note" }, "Changes are sent with Expected-Version ", h("b", null, String(st.version)))));
  }

  function renderItems() {
    const st = current;
    itemsCard.replaceChildren(
      h("div", { class: "card-head" }, h("h2", null, "Items"), h("span", { class: "sub" }, `${st.items.length} line${st.items.length === 1 ? "" : "s"}`)),
      h("div", { class: "table-wrap" }, h("table", { class: "table items-table" },
        h("thead", null, h("tr", null, h("th", null, "SKU"), h("th", { class: "num" }, "Qty"), h("th", { class: "num" }, "Unit price"), h("th", { class: "num" }, "Line total"))),
        h("tbody", null, st.items.map((i) => h("tr", { "data-testid": "item" },
          h("td", { class: "mono" }, i.sku), h("td", { class: "num" }, number(i.quantity)),
          h("td", { class: "num" }, money(i.unit_price, st.currency)), h("td", { class: "num" }, money(i.line_total, st.currency))))),
        h("tfoot", null, h("tr", null, h("td", { colspan: 3 }, h("b", null, "Total")),
          h("td", { class: "num" }, h("b", null, money(st.total_amount, st.currency))))))));
    const row = (label, value) => [h("dt", null, label), h("dd", null, value ?? h("span", { class: "muted" }, "—"))];
    detailsCard.replaceChildren(
      h("div", { class: "card-head" }, h("h2", null, "Payment & shipping")),
      h("div", { class: "card-body" }, h("dl", { class: "details" },
        row("Currency", st.currency),
        row("Payment", st.payment_id ? `${titleCase(st.payment_method)} · ${st.payment_id}` : null),
        row("Paid", st.paid_at ? dateTime(st.paid_at) : null),
        row("Shipping", st.carrier ? `${st.carrier} · ${st.tracking_number}` : null),
        row("Shipped", st.shipped_at ? dateTime(st.shipped_at) : null),
        row("Delivered", st.delivered_at ? dateTime(st.delivered_at) : null),
        st.cancelled_at ? row("Cancelled", `${dateTime(st.cancelled_at)}${st.cancel_reason ? ` · “${st.cancel_reason}”` : ""}`) : null,
        st.returned_at ? row("Returned", `${dateTime(st.returned_at)}${st.return_reason ? ` · “${st.return_reason}”` : ""}`) : null)));
  }

  function renderTimeline() {
    timeline.replaceChildren(...events.map((e) => {
      const info = eventInfo(e.event_type);
      const li = h("li", { class: `tone-${info.tone}`, "data-testid": "timeline-event", "data-version": e.version, "data-event-type": e.event_type },
        h("span", { class: "node" }, icon(info.tone)),
        h("div", null,
          h("div", { class: "ev-title" }, info.label, h("span", { class: "v" }, `v${e.version}`)),
          h("div", { class: "ev-sum" }, eventSummary(e.event_type, e.data)),
          h("div", { class: "ev-meta" }, timeEl(e.timestamp, "full"), e.user_id ? ` · by ${e.user_id}` : "")));
      li.addEventListener("click", () => select(e.version));
      return li;
    }));
    el.querySelector("[data-testid=timeline-count]").textContent = `${events.length} event${events.length === 1 ? "" : "s"}`;
  }

  function renderAudit() {
    auditBody.replaceChildren(...events.map((e) => h("tr", { "data-testid": "audit-row", "data-version": e.version },
      h("td", { "data-testid": "audit-type" }, eventTypeEl(e.event_type)),
      h("td", { class: "num", "data-testid": "audit-version" }, e.version),
      h("td", { class: "num mono", "data-testid": "audit-position" }, e.position),
      h("td", { class: "nowrap", "data-testid": "audit-timestamp" }, h("time", { datetime: e.timestamp, title: e.timestamp }, dateTime(e.timestamp))),
      h("td", { "data-testid": "audit-user" }, e.user_id ?? h("span", { class: "muted" }, "—")),
      h("td", { "data-testid": "audit-correlation" }, e.correlation_id ? h("span", { class: "corr", title: e.correlation_id }, e.correlation_id) : h("span", { class: "muted" }, "—")),
      h("td", { "data-testid": "audit-data" }, h("details", { class: "json" }, h("summary", null, "View JSON"),
        h("pre", null, JSON.stringify(e.data, null, 2)))))));
  }

  function renderSliderFrame() {
    const max = current.version;
    slider.max = String(max);
    slider.disabled = max <= 1;
    slider.value = String(selected);
    const labels = events.length <= 14;
    ticks.replaceChildren(...events.map((e) => {
      const info = eventInfo(e.event_type);
      const t = h("span", { class: `tt-tick tone-${info.tone}`, title: `v${e.version} · ${e.event_type}`, "data-version": e.version },
        h("span", { class: "pip" }), labels ? `v${e.version}` : "");
      t.addEventListener("click", () => select(e.version));
      return t;
    }));
    updateMarkers();
  }

  function updateMarkers() {
    for (const t of ticks.children) {
      const v = Number(t.dataset.version);
      t.classList.toggle("past", v <= selected);
      t.classList.toggle("current", v === selected);
    }
    for (const li of timeline.children) {
      const v = Number(li.dataset.version);
      li.classList.toggle("future", v > selected);
      li.classList.toggle("selected", v === selected);
    }
    prevBtn.disabled = selected <= 1;
    nextBtn.disabled = selected >= current.version;
    latestBtn.disabled = selected >= current.version;
  }

  function renderState(st, prev) {
    const e = events[st.version - 1];
    const atLatest = st.version === current.version;
    caption.replaceChildren(
      h("span", { class: "ver" }, "Version ", h("span", { "data-testid": "tt-version" }, String(st.version)), ` of ${current.version}`),
      h("span", { class: "sep" }, "|"),
      e ? eventTypeEl(e.event_type) : null,
      e ? h("span", { class: "muted" }, dateTime(e.timestamp)) : null,
      e?.user_id ? h("span", { class: "muted" }, `by ${e.user_id}`) : null,
      h("span", { style: { marginLeft: "auto" } },
        atLatest ? h("span", { class: "pill pill-now", "data-testid": "tt-now" }, "Current state")
          : h("span", { class: "pill pill-past", "data-testid": "tt-past" }, `Past state · ${current.version - st.version} event${current.version - st.version === 1 ? "" : "s"} ago`)));
    const shown = FIELDS.filter(([key]) => ALWAYS.has(key) || !isEmpty(st[key]) || !isEmpty(current[key]));
    stateGrid.replaceChildren(...shown.map(([key, label, render]) => {
      const changed = prev !== null && JSON.stringify(prev[key]) !== JSON.stringify(st[key]);
      const value = st[key];
      const dd = isEmpty(value) && key !== "total_amount" && key !== "items"
        ? h("dd", { class: "null" }, "—")
        : h("dd", null, render ? render(st) : String(value));
      dd.setAttribute("data-testid", `tt-${key.replace("_amount", "").replaceAll("_", "-")}`);
      if (key === "status") dd.setAttribute("data-status", st.status);
      if (key === "total_amount") dd.setAttribute("data-amount", st.total_amount);
      return h("div", { class: "kv", "data-testid": `tt-field-${key}`, "data-changed": String(changed) }, h("dt", null, label), dd);
    }));
    stateGrid.dataset.version = String(st.version);
  }

  async function stateAt(v) {
    if (!states.has(v)) states.set(v, api.order(id, v));
    try {
      return await states.get(v);
    } catch (err) {
      states.delete(v);
      throw err;
    }
  }

  async function select(v) {
    selected = Math.max(1, Math.min(current.version, v));
    followLatest = selected === current.version;
    slider.value = String(selected);
    updateMarkers();
    const token = ++selectToken;
    try {
      const [st, prev] = await Promise.all([stateAt(selected), selected > 1 ? stateAt(selected - 1) : null]);
      if (token === selectToken) renderState(st, prev);
    } catch (err) {
      if (token === selectToken) stateGrid.replaceChildren(errorAlert(err, "tt-error"));
    }
  }

  async function reload() {
    try {
      const [st, hist] = await Promise.all([api.order(id), api.history(id)]);
      if (current !== null && st.version === current.version && hist.events.length === events.length) {
        return; // nothing new (e.g. the live echo of our own change): keep the page as it is
      }
      current = st;
      events = hist.events;
      states.set(st.version, Promise.resolve(st));
      errorSlot.replaceChildren();
      body.hidden = false;
      renderHeader();
      renderItems();
      renderTimeline();
      renderAudit();
      if (followLatest) selected = current.version;
      renderSliderFrame();
      await select(selected);
      el.dataset.version = String(current.version);
    } catch (err) {
      if (current === null) {
        body.hidden = true;
        errorSlot.replaceChildren(h("div", { class: "card", "data-testid": "order-missing" },
          h("div", { class: "empty" },
            h("div", { class: "empty-title" }, err.status === 404 ? "Order not found" : "Could not load this order"),
            h("div", { style: { maxWidth: "560px", margin: "10px auto 0" } }, errorAlert(err, "order-error")),
            h("a", { class: "btn", href: "#/orders" }, icon("back"), "Back to orders"))));
      } else {
        toast({ kind: "error", title: "Could not refresh the order", message: `${err.code || ""} ${err.message}` });
      }
    }
  }

  slider.addEventListener("input", () => select(Number(slider.value)));
  prevBtn.addEventListener("click", () => select(selected - 1));
  nextBtn.addEventListener("click", () => select(selected + 1));
  latestBtn.addEventListener("click", () => select(current.version));

  let reloadTimer = null;
  const unsubscribe = live.subscribe((ev) => {
    if (ev.backlog || ev.aggregate_id !== id) return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(reload, 100);
  });

  reload();
  return {
    el,
    dispose() {
      unsubscribe();
      clearTimeout(reloadTimer);
    },
  };
}
