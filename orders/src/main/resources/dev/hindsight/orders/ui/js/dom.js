// DOM helpers and formatting. Everything user-supplied goes in as text, never as HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function setProps(el, props) {
  let value;
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.setAttribute("class", v);
    else if (k === "value") value = v;
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  return value;
}

function appendAll(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** h("div", {class: "x", onclick: fn, "data-testid": "y"}, child, "text", [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  const value = setProps(el, props);
  appendAll(el, children);
  if (value !== undefined) el.value = value; // after the options of a <select> exist
  return el;
}

/** The same for SVG elements. */
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  appendAll(el, children);
  return el;
}

const ICONS = {
  plus: "M12 5v14M5 12h14",
  refresh: "M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7",
  copy: "M9 9h10v10H9zM5 15V5h10",
  back: "M15 18l-6-6 6-6",
  next: "M9 18l6-6-6-6",
  alert: "M12 8v5M12 16.5v.5M10.3 3.9 2.4 18a2 2 0 0 0 1.7 3h15.8a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z",
  pause: "M9 5v14M15 5v14",
  play: "M7 5l12 7-12 7z",
  trash: "M5 7h14M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
  created: "M6 7h12l-1 13H7zM9 7a3 3 0 0 1 6 0",
  paid: "M3 7h18v10H3zM3 11h18",
  shipped: "M3 7h11v9H3zM14 10h4l3 3v3h-7M7 19a1.5 1.5 0 1 0 0-.1M17 19a1.5 1.5 0 1 0 0-.1",
  delivered: "M5 12l5 5L20 7",
  cancelled: "M6 6l12 12M18 6 6 18",
  returned: "M9 14 4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3",
  refunded: "M12 3v18M16 7H10a3 3 0 0 0 0 6h4a3 3 0 0 1 0 6H7",
  adjusted: "M4 20h4L19 9l-4-4L4 16zM14 6l4 4",
  other: "M12 12h.01M8 12h.01M16 12h.01",
};

export function icon(name) {
  return s("svg", { viewBox: "0 0 24 24", "aria-hidden": "true" }, s("path", { d: ICONS[name] || ICONS.other }));
}

// ---------- formatting ----------

const moneyFormats = new Map();

/** A decimal amount (a JSON number at the currency's scale) as local currency text, e.g. $39.98. */
export function money(amount, currency) {
  if (amount === null || amount === undefined) return "—";
  if (!currency) return String(amount);
  let f = moneyFormats.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat(undefined, { style: "currency", currency, currencyDisplay: "narrowSymbol" });
    } catch {
      f = { format: (n) => `${n} ${currency}` };
    }
    moneyFormats.set(currency, f);
  }
  return f.format(Number(amount));
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
});
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const shortFormat = new Intl.DateTimeFormat(undefined, {
  month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
});

export function dateTime(iso) {
  return iso ? dateTimeFormat.format(new Date(iso)) : "—";
}

export function time(iso) {
  return iso ? timeFormat.format(new Date(iso)) : "—";
}

export function shortDate(iso) {
  return iso ? shortFormat.format(new Date(iso)) : "—";
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", else a short date. */
export function relative(iso) {
  if (!iso) return "—";
  const secs = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (secs < 5) return "just now";
  if (secs < 60) return `${secs} s ago`;
  if (secs < 3600) return `${Math.floor(secs / 60)} min ago`;
  if (secs < 86400) return `${Math.floor(secs / 3600)} h ago`;
  return shortFormat.format(new Date(iso));
}

/** A <time> element showing a relative time, the exact instant in its tooltip. */
export function timeEl(iso, mode = "relative") {
  if (!iso) return h("span", { class: "muted" }, "—");
  const text = mode === "relative" ? relative(iso) : mode === "time" ? time(iso) : dateTime(iso);
  return h("time", { datetime: iso, title: `${dateTime(iso)} (${iso})`, "data-rel": mode === "relative" ? "1" : null }, text);
}

export function number(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return "—";
  return Number(n).toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Milliseconds as "0 ms", "850 ms", "1.2 s", "3 min". */
export function duration(ms) {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

export function shortId(id) {
  if (!id) return "";
  return id.length > 16 ? `${id.slice(0, 12)}…${id.slice(-4)}` : id;
}

export function titleCase(s) {
  return s ? s.charAt(0).toUpperCase() + s.slice(1).replaceAll("_", " ") : s;
}

// ---------- statuses and event types ----------

export const STATUSES = ["created", "paid", "shipped", "delivered", "cancelled", "returned", "refunded"];

export function badge(status, large = false) {
  return h("span", { class: `badge${large ? " badge-lg" : ""}`, "data-status": status, "data-testid": "status-badge" },
    h("span", { class: "badge-dot" }), titleCase(status));
}

const EVENT_TYPES = {
  OrderCreated: { tone: "created", label: "Order placed" },
  OrderItemsAdjusted: { tone: "adjusted", label: "Items adjusted" },
  OrderPaid: { tone: "paid", label: "Payment received" },
  OrderShipped: { tone: "shipped", label: "Shipped" },
  OrderDelivered: { tone: "delivered", label: "Delivered" },
  OrderCancelled: { tone: "cancelled", label: "Cancelled" },
  OrderReturned: { tone: "returned", label: "Returned" },
  OrderRefunded: { tone: "refunded", label: "Refunded" },
};

export function eventInfo(type) {
  return EVENT_TYPES[type] || { tone: "other", label: type };
}

export function eventTypeEl(type) {
  const info = eventInfo(type);
  return h("span", { class: `etype tone-${info.tone}`, "data-testid": "event-type", title: type }, type);
}

function itemsText(items) {
  if (!Array.isArray(items)) return "";
  const units = items.reduce((n, i) => n + (Number(i.quantity) || 0), 0);
  const names = items.slice(0, 2).map((i) => `${i.quantity} × ${i.sku}`).join(", ");
  return `${names}${items.length > 2 ? ` +${items.length - 2} more` : ""} (${units} unit${units === 1 ? "" : "s"})`;
}

/** One line saying what an event did, from its data. */
export function eventSummary(type, data) {
  const d = data || {};
  switch (type) {
    case "OrderCreated": return `${itemsText(d.items)} · ${money(d.total_amount, d.currency)} · for ${d.user_id}`;
    case "OrderItemsAdjusted":
      return `${itemsText(d.items)} · new total ${money(d.total_amount, d.currency)}${d.reason ? ` · “${d.reason}”` : ""}`;
    case "OrderPaid": return `${money(d.amount, d.currency)} by ${d.payment_method} · ${d.payment_id}`;
    case "OrderShipped": return `${d.carrier} · tracking ${d.tracking_number}`;
    case "OrderDelivered": return "Handed over to the customer";
    case "OrderCancelled": return d.reason ? `“${d.reason}”` : "No reason given";
    case "OrderReturned": return d.reason ? `“${d.reason}”` : "No reason given";
    case "OrderRefunded": return `${money(d.amount, d.currency)} · ${d.refund_id}${d.reason ? ` · “${d.reason}”` : ""}`;
    default: {
      const text = JSON.stringify(d);
      return text.length > 140 ? `${text.slice(0, 140)}…` : text;
    }
  }
}

/** Sum of the quantities of a state's items (what the read model calls item_count). */
export function unitCount(items) {
  return (items || []).reduce((n, i) => n + (Number(i.quantity) || 0), 0);
}

/** The commands an order in this status accepts (the decider's rules), in button order. */
export function actionsFor(order) {
  switch (order.status) {
    case "created": return ["pay", "cancel"];
    case "paid": return ["ship", "cancel"];
    case "shipped": return ["deliver"];
    case "delivered": return ["return"];
    case "cancelled":
    case "returned":
      return order.paid_at && Number(order.refunded_amount || 0) < Number(order.total_amount) ? ["refund"] : [];
    default: return [];
  }
}

export function randomHex(n) {
  const bytes = new Uint8Array(Math.ceil(n / 2));
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, n);
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID(); // secure contexts only (localhost is one)
  const x = randomHex(32);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-a${x.slice(17, 20)}-${x.slice(20, 32)}`;
}

/** Keeps relative times ("5 s ago") fresh everywhere on the page. */
export function startRelativeClock() {
  setInterval(() => {
    for (const el of document.querySelectorAll("time[data-rel]")) {
      el.textContent = relative(el.getAttribute("datetime"));
    }
  }, 5000);
}
