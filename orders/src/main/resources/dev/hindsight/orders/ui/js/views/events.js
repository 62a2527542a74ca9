// The live event feed of the whole store (Server-Sent Events), newest first, with a pause and client-side filters.

import { eventSummary, eventTypeEl, h, icon, number, shortId, time } from "../dom.js";
import { live } from "../live.js";

const SHOWN = 200;

export function eventsView() {
  let paused = false;
  let missed = 0;

  const list = h("ol", { class: "feed", "data-testid": "live-feed" });
  const status = h("span", { class: "counter", "data-testid": "feed-status" });
  const pauseBtn = h("button", { class: "btn btn-sm", type: "button", "data-testid": "feed-pause" });
  const typeFilter = h("select", { class: "input", style: { width: "190px" }, "data-testid": "feed-type" },
    h("option", { value: "" }, "All event types"),
    ["OrderCreated", "OrderItemsAdjusted", "OrderPaid", "OrderShipped", "OrderDelivered", "OrderCancelled", "OrderReturned", "OrderRefunded"]
      .map((t) => h("option", { value: t }, t)));
  const idFilter = h("input", { class: "input", style: { width: "220px" }, placeholder: "Aggregate id contains…", "data-testid": "feed-aggregate" });

  const el = h("div", { class: "page", "data-testid": "events-page" },
    h("div", { class: "page-head" },
      h("div", null, h("h1", null, "Live events"),
        h("p", null, "Every event appended to the store, as it is committed (GET /api/events/live).")),
      h("div", { class: "feed-toolbar" }, typeFilter, idFilter, pauseBtn)),
    h("section", { class: "card" },
      h("div", { class: "card-head" }, h("h2", null, "Global log"), status),
      list));

  const passes = (ev) => (!typeFilter.value || ev.event_type === typeFilter.value)
    && (!idFilter.value.trim() || (ev.aggregate_id || "").includes(idFilter.value.trim()));

  function itemEl(ev, fresh) {
    const id = ev.aggregate_id || "";
    const link = id.startsWith("ord_")
      ? h("a", { href: `#/orders/${encodeURIComponent(id)}`, title: id }, shortId(id))
      : h("span", { class: "id", title: id }, id);
    return h("li", {
      class: fresh ? "new" : null, "data-testid": "feed-item", "data-event-type": ev.event_type,
      "data-aggregate-id": id, "data-position": ev.position,
    },
    h("span", { class: "time", title: ev.recorded_at }, time(ev.recorded_at)),
    h("span", null, eventTypeEl(ev.event_type)),
    h("span", { class: "agg" }, link, h("span", { class: "summary" }, eventSummary(ev.event_type, ev.event_data))),
    h("span", { class: "pos", title: "position · version" }, `#${ev.position} · v${ev.version}`));
  }

  function renderAll() {
    const shown = live.events.filter(passes).slice(-SHOWN).reverse();
    list.replaceChildren(...(shown.length ? shown.map((ev) => itemEl(ev, false))
      : [h("li", { class: "feed-empty", "data-testid": "feed-empty", style: { display: "block" } },
        live.events.length ? "No event matches these filters yet." : "Waiting for events… Create an order to see one arrive.")]));
    missed = 0;
    renderStatus();
  }

  function renderStatus() {
    pauseBtn.replaceChildren(paused ? icon("play") : icon("pause"), paused ? `Resume${missed ? ` (${missed} new)` : ""}` : "Pause");
    status.textContent = `${number(live.received)} received · ${number(live.rate(), 1)} events/s · ${live.state}`;
  }

  const unsubscribe = live.subscribe((ev) => {
    if (!passes(ev)) return;
    if (paused) {
      missed++;
      renderStatus();
      return;
    }
    list.querySelector("[data-testid=feed-empty]")?.remove();
    list.prepend(itemEl(ev, true));
    while (list.children.length > SHOWN) list.lastElementChild.remove();
    renderStatus();
  });
  const unwatch = live.onStatus(renderStatus);
  const timer = setInterval(renderStatus, 1000);

  pauseBtn.addEventListener("click", () => {
    paused = !paused;
    if (!paused) renderAll();
    renderStatus();
  });
  typeFilter.addEventListener("change", renderAll);
  idFilter.addEventListener("input", renderAll);

  renderAll();
  return {
    el,
    dispose() {
      unsubscribe();
      unwatch();
      clearInterval(timer);
    },
  };
}
