// Shared widgets: toasts, error alerts, the "new order" dialog and the order action dialogs.

import { api, ApiError } from "./api.js";
import { h, icon, money, randomHex, shortId, titleCase } from "./dom.js";

// ---------- toasts ----------

export function toast({ kind = "info", title, message, timeout }) {
  const box = document.getElementById("toasts");
  const close = () => el.remove();
  const el = h("div", { class: "toast", "data-kind": kind, "data-testid": "toast", role: kind === "error" ? "alert" : "status" },
    h("div", { class: "toast-body" },
      h("div", { class: "toast-title" }, title),
      message ? h("div", { class: "toast-msg" }, message) : null),
    h("button", { class: "toast-close", type: "button", "aria-label": "Dismiss", onclick: close }, "×"));
  box.append(el);
  setTimeout(close, timeout ?? (kind === "error" ? 9000 : 5000));
  while (box.children.length > 4) box.firstElementChild.remove();
  return el;
}

/** Shows an API error as a toast: the code in mono, then the server's message. */
export function errorToast(title, err) {
  const e = asApiError(err);
  return toast({ kind: "error", title, message: h("span", null, h("code", null, e.code), " — ", e.message) });
}

function asApiError(err) {
  return err instanceof ApiError ? err : new ApiError(0, "client_error", String(err?.message || err));
}

/** An inline error box with the API's error code and message. */
export function errorAlert(err, testid = "error") {
  const e = asApiError(err);
  return h("div", { class: "alert", role: "alert", "data-testid": testid, "data-error": e.code },
    icon("alert"),
    h("div", null,
      h("span", { class: "alert-code" }, `${e.status ? `${e.status} ` : ""}${e.code}`),
      h("span", { class: "alert-msg" }, humanHint(e))));
}

function humanHint(e) {
  if (e.code === "wrong_expected_version") {
    return `${e.message}. Someone changed this order meanwhile; it has been reloaded, please check and retry.`;
  }
  return e.message;
}

// ---------- dialogs ----------

/**
 * Opens a modal form. `fields` is the body element(s); `submit(form)` returns a promise; a rejection shows its error
 * inside the dialog and keeps it open, a resolution closes it.
 */
function openDialog({ title, subtitle, body, submitLabel, danger = false, wide = false, testid, submit }) {
  const error = h("div", { "data-testid": "dialog-error-slot" });
  const submitBtn = h("button", { class: `btn ${danger ? "btn-danger" : "btn-primary"}`, type: "submit", "data-testid": "dialog-submit" }, submitLabel);
  const cancelBtn = h("button", { class: "btn", type: "button", "data-testid": "dialog-cancel" }, "Cancel");
  const form = h("form", { novalidate: true },
    h("div", { class: "dialog-head" }, h("h2", null, title), subtitle ? h("p", null, subtitle) : null),
    h("div", { class: "dialog-body" }, body, error),
    h("div", { class: "dialog-foot" }, cancelBtn, submitBtn));
  const dialog = h("dialog", { class: `dialog${wide ? " wide" : ""}`, "data-testid": testid }, form);
  cancelBtn.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.replaceChildren();
    submitBtn.classList.add("busy");
    submitBtn.disabled = true;
    try {
      await submit(form);
      dialog.close();
    } catch (err) {
      error.replaceChildren(errorAlert(err, "dialog-error"));
    } finally {
      submitBtn.classList.remove("busy");
      submitBtn.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  const first = form.querySelector("input:not([type=hidden]), select, textarea");
  (first || submitBtn).focus();
  return dialog;
}

const CURRENCIES = ["USD", "EUR", "GBP", "CHF", "JPY", "BHD"];

function scale(currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

/** The "new order" dialog; resolves `onCreated(state, correlationId)` after a 201. */
export function newOrderDialog(onCreated) {
  const user = h("input", { class: "input", name: "user_id", placeholder: "e.g. user_789", autocomplete: "off", "data-testid": "new-order-user" });
  const currency = h("select", { class: "input", name: "currency", "data-testid": "new-order-currency", value: "USD" },
    CURRENCIES.map((c) => h("option", { value: c }, c)));
  const rows = h("div", { class: "items-editor" });
  const totalEl = h("span", { class: "amount", "data-testid": "new-order-total" }, "—");

  function recompute() {
    const cur = currency.value;
    const f = 10 ** scale(cur);
    let minor = 0;
    for (const row of rows.querySelectorAll(".item-row[data-item]")) {
      const q = Number(row.querySelector("[name=quantity]").value);
      const p = Number(row.querySelector("[name=unit_price]").value);
      const line = Number.isFinite(q) && Number.isFinite(p) ? Math.round(q * Math.round(p * f)) : NaN;
      row.querySelector(".line-total").textContent = Number.isNaN(line) ? "—" : money(line / f, cur);
      minor += Number.isNaN(line) ? 0 : line;
    }
    totalEl.textContent = money(minor / f, cur);
  }

  function addRow(sku = "", qty = "1", price = "") {
    const remove = h("button", { class: "btn btn-ghost btn-xs", type: "button", title: "Remove line", "aria-label": "Remove line" }, icon("trash"));
    const row = h("div", { class: "item-row", "data-item": "1", "data-testid": "item-row" },
      h("input", { class: "input mono", name: "sku", placeholder: "sku", value: sku, autocomplete: "off", "data-testid": "item-sku" }),
      h("input", { class: "input num", name: "quantity", type: "number", min: 1, step: 1, value: qty, "data-testid": "item-qty" }),
      h("input", { class: "input num", name: "unit_price", inputmode: "decimal", placeholder: "0.00", value: price, "data-testid": "item-price" }),
      h("span", { class: "line-total" }, "—"),
      remove);
    remove.addEventListener("click", () => {
      if (rows.querySelectorAll(".item-row[data-item]").length > 1) row.remove();
      recompute();
    });
    row.addEventListener("input", recompute);
    rows.append(row);
    recompute();
    return row;
  }

  rows.append(h("div", { class: "item-row head" }, h("span", null, "SKU"), h("span", null, "Qty"), h("span", null, "Unit price"), h("span", { class: "line-total" }, "Line total"), h("span")));
  addRow();
  currency.addEventListener("change", recompute);
  const addBtn = h("button", { class: "btn btn-ghost btn-sm", type: "button", "data-testid": "add-item" }, icon("plus"), "Add line");
  addBtn.addEventListener("click", () => addRow().querySelector("input").focus());

  const body = [
    h("div", { class: "row-2" },
      h("label", { class: "field" }, h("span", null, "Customer"), user),
      h("label", { class: "field" }, h("span", null, "Currency"), currency)),
    h("div", { class: "field" }, h("span", null, "Items"), rows, h("div", null, addBtn)),
    h("div", { class: "items-total" }, h("span", null, "Order total"), totalEl),
  ];

  return openDialog({
    title: "New order",
    subtitle: "Places the order with OrderCreated as its first event.",
    body, submitLabel: "Create order", wide: true, testid: "new-order-dialog",
    submit: async () => {
      const items = [...rows.querySelectorAll(".item-row[data-item]")].map((row) => ({
        sku: row.querySelector("[name=sku]").value.trim(),
        quantity: toNumber(row.querySelector("[name=quantity]").value),
        unit_price: toNumber(row.querySelector("[name=unit_price]").value),
      }));
      const res = await api.createOrder({ user_id: user.value.trim(), currency: currency.value, items });
      onCreated(res.data, res.correlationId);
    },
  });
}

/** A number for the API, or the text itself when it is not one (so the server's 400 explains what is wrong). */
function toNumber(text) {
  const t = String(text).trim();
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : t;
}

const ACTIONS = {
  pay: { label: "Pay", verb: "Record payment", done: "Payment recorded" },
  ship: { label: "Ship", verb: "Mark as shipped", done: "Order shipped" },
  deliver: { label: "Deliver", verb: "Mark as delivered", done: "Order delivered" },
  cancel: { label: "Cancel", verb: "Cancel order", done: "Order cancelled", danger: true },
  return: { label: "Return", verb: "Record return", done: "Return recorded", danger: true },
  refund: { label: "Refund", verb: "Refund", done: "Refund recorded" },
};

/** A button for an action; `onDone(newState)` after it succeeded. */
export function actionButton(order, action, onDone, { small = true } = {}) {
  const a = ACTIONS[action];
  const btn = h("button", {
    class: `btn ${small ? "btn-sm" : ""} ${a.danger ? "btn-danger" : action === nextStep(order) ? "btn-primary" : ""}`,
    type: "button", "data-testid": `action-${action}`, "data-action": action,
  }, a.label);
  btn.addEventListener("click", (ev) => {
    ev.stopPropagation();
    actionDialog(order, action, onDone);
  });
  return btn;
}

function nextStep(order) {
  return { created: "pay", paid: "ship", shipped: "deliver" }[order.status];
}

function select(name, options, testid) {
  return h("select", { class: "input", name, "data-testid": testid }, options.map((o) => h("option", { value: o[0] }, o[1])));
}

export function actionDialog(order, action, onDone) {
  const a = ACTIONS[action];
  const cur = order.currency;
  let body;
  let payload;
  switch (action) {
    case "pay": {
      const amount = h("input", { class: "input num", name: "amount", inputmode: "decimal", value: String(order.total_amount), "data-testid": "pay-amount" });
      const method = select("payment_method", [["card", "Card"], ["paypal", "PayPal"], ["bank_transfer", "Bank transfer"], ["apple_pay", "Apple Pay"]], "pay-method");
      const pid = h("input", { class: "input mono", name: "payment_id", value: `pay_${randomHex(12)}`, "data-testid": "pay-id" });
      body = [h("div", { class: "row-2" },
        h("label", { class: "field" }, h("span", null, `Amount (${cur})`, h("span", { class: "hint" }, ` · due ${money(order.total_amount, cur)}`)), amount),
        h("label", { class: "field" }, h("span", null, "Method"), method)),
      h("label", { class: "field" }, h("span", null, "Payment id"), pid)];
      payload = () => ({ amount: toNumber(amount.value), payment_method: method.value, payment_id: pid.value.trim() });
      break;
    }
    case "ship": {
      const carrier = select("carrier", [["UPS", "UPS"], ["DHL", "DHL"], ["FedEx", "FedEx"], ["USPS", "USPS"], ["Royal Mail", "Royal Mail"]], "ship-carrier");
      const tracking = h("input", { class: "input mono", name: "tracking_number", value: `1Z${randomHex(14).toUpperCase()}`, "data-testid": "ship-tracking" });
      body = h("div", { class: "row-2" },
        h("label", { class: "field" }, h("span", null, "Carrier"), carrier),
        h("label", { class: "field" }, h("span", null, "Tracking number"), tracking));
      payload = () => ({ carrier: carrier.value, tracking_number: tracking.value.trim() });
      break;
    }
    case "deliver":
      body = h("p", { style: { margin: 0 } }, "Confirms that the parcel reached the customer.");
      payload = () => ({});
      break;
    case "cancel":
    case "return": {
      const reason = h("textarea", { class: "input", name: "reason", placeholder: "Optional", "data-testid": "action-reason" });
      body = h("label", { class: "field" }, h("span", null, "Reason"), reason);
      payload = () => (reason.value.trim() ? { reason: reason.value.trim() } : {});
      break;
    }
    case "refund": {
      const left = Math.max(0, Number(order.total_amount) - Number(order.refunded_amount || 0));
      const amount = h("input", { class: "input num", name: "amount", inputmode: "decimal", value: String(Number(left.toFixed(scale(cur)))), "data-testid": "refund-amount" });
      const reason = h("input", { class: "input", name: "reason", placeholder: "Optional", "data-testid": "action-reason" });
      body = h("div", { class: "row-2" },
        h("label", { class: "field" }, h("span", null, `Amount (${cur})`), amount),
        h("label", { class: "field" }, h("span", null, "Reason"), reason));
      payload = () => ({ amount: toNumber(amount.value), ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) });
      break;
    }
    default:
      throw new Error(`unknown action ${action}`);
  }
  return openDialog({
    title: `${a.verb}`,
    subtitle: `Order ${shortId(order.order_id)} · ${titleCase(order.status)} · ${money(order.total_amount, cur)}`,
    body, submitLabel: a.verb, danger: a.danger, testid: "action-dialog",
    submit: async () => {
      try {
        const res = await api.command(order.order_id, action, payload(), order.version);
        toast({ kind: "success", title: a.done, message: `${shortId(order.order_id)} is now ${res.data.status} (version ${res.data.version}).` });
        onDone(res.data);
      } catch (err) {
        if (err instanceof ApiError && (err.code === "wrong_expected_version" || err.code === "invalid_transition")) {
          // The view was stale: reload it, and let a retry from this dialog act on the current version.
          try {
            order = { ...order, ...(await api.order(order.order_id)) };
          } catch {
            // keep the old version; the retry will tell
          }
          onDone(null);
        }
        throw err;
      }
    },
  });
}
