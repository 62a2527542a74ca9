// Entry point: hash routes, the sidebar's live status, the shared live feed and projection monitor.

import { DEFAULT_OPERATOR, operator, setOperator } from "./api.js";
import { duration, number, startRelativeClock } from "./dom.js";
import { live, projections } from "./live.js";
import { eventsView } from "./views/events.js";
import { orderView } from "./views/order.js";
import { ordersView } from "./views/orders.js";
import { projectionsView } from "./views/projections.js";

const ROUTES = [
  [/^#\/orders\/(.+)$/, "orders", (m) => orderView(decodeURIComponent(m[1]))],
  [/^#\/events$/, "events", () => eventsView()],
  [/^#\/projections$/, "projections", () => projectionsView()],
  [/^(#\/?(orders)?)?$/, "orders", () => ordersView()],
];

const TITLES = { orders: "Orders", events: "Live events", projections: "Projections" };

let currentView = null;

function route() {
  const hash = location.hash;
  const found = ROUTES.find(([re]) => re.test(hash));
  if (!found) {
    location.replace("#/orders");
    return;
  }
  const [re, nav, make] = found;
  currentView?.dispose?.();
  for (const d of document.querySelectorAll("dialog[open]")) d.close();
  currentView = make(hash.match(re));
  const main = document.getElementById("view");
  main.replaceChildren(currentView.el);
  main.dataset.view = nav;
  document.title = `${TITLES[nav]} · Hindsight`;
  for (const a of document.querySelectorAll(".nav a")) a.classList.toggle("active", a.dataset.nav === nav);
  window.scrollTo(0, 0);
}

function sidebar() {
  const pill = document.querySelector("[data-testid=live-status]");
  const labels = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…", down: "Disconnected" };
  live.onStatus((state) => {
    pill.dataset.state = state;
    pill.querySelector(".live-label").textContent = labels[state] || state;
  });
  const count = document.querySelector("[data-testid=nav-event-count]");
  live.subscribe((ev) => {
    if (ev.backlog || document.getElementById("view").dataset.view === "events") return;
    count.hidden = false;
    count.textContent = number(Number(count.dataset.n || 0) + 1);
    count.dataset.n = String(Number(count.dataset.n || 0) + 1);
  });
  window.addEventListener("hashchange", () => {
    if (location.hash === "#/events") {
      count.hidden = true;
      count.dataset.n = "0";
    }
  });
  const head = document.querySelector("[data-testid=head-position]");
  const lag = document.querySelector("[data-testid=sidebar-lag]");
  projections.subscribe((m) => {
    const p = m.find("orders") || m.latest?.projections[0];
    if (p) {
      head.textContent = p.head;
      lag.textContent = duration(p.lag_ms);
    } else if (m.error) {
      lag.textContent = "n/a";
    }
  });
  const who = document.querySelector("[data-testid=operator]");
  who.placeholder = DEFAULT_OPERATOR;
  who.value = operator() === DEFAULT_OPERATOR ? "" : operator();
  who.addEventListener("input", () => setOperator(who.value));
}

window.addEventListener("hashchange", route);
sidebar();
live.start();
projections.start();
startRelativeClock();
route();
