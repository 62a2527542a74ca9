// The order system's JSON API. Every failure becomes an ApiError carrying the server's {"error", "message"}.

import { uuid } from "./dom.js";

const OPERATOR_KEY = "hindsight.operator";
// The API token of a server started with authentication (serve --auth): asked for on the first 401, kept for this tab
// only (sessionStorage, gone when the tab closes), sent as "Authorization: Bearer".
const TOKEN_KEY = "hindsight.token";
export const TOKEN_EVENT = "hindsight-token";
export const DEFAULT_OPERATOR = "console";

export class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

let lastPosition = null;

/** The Consistency-Position of this tab's latest write: list queries wait for the read model to reach it. */
export function lastWritePosition() {
  return lastPosition;
}

export function operator() {
  return localStorage.getItem(OPERATOR_KEY) || DEFAULT_OPERATOR;
}

export function setOperator(name) {
  const v = (name || "").trim();
  if (v) localStorage.setItem(OPERATOR_KEY, v);
  else localStorage.removeItem(OPERATOR_KEY);
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

let asking = null;

/** Asks once (however many requests got 401 meanwhile) for a token; true if one was given. */
function askForToken(reason) {
  asking ||= new Promise((resolve) => {
    // Let the page paint before the modal prompt.
    setTimeout(() => {
      const t = (window.prompt(`${reason}\nAPI token (./hindsight tokens create --role reader|writer|admin):`) || "").trim();
      if (t) {
        sessionStorage.setItem(TOKEN_KEY, t);
        window.dispatchEvent(new Event(TOKEN_EVENT));
      }
      asking = null;
      resolve(Boolean(t));
    }, 0);
  });
  return asking;
}

async function request(method, path, { body, headers = {} } = {}) {
  const h = { Accept: "application/json", ...headers };
  if (body !== undefined) h["Content-Type"] = "application/json";
  if (method !== "GET") {
    h["X-User-Id"] = operator();
    h["X-Correlation-Id"] ||= uuid();
  }
  let res;
  for (let attempt = 0; ; attempt++) {
    const t = token();
    if (t) h.Authorization = `Bearer ${t}`;
    else delete h.Authorization;
    try {
      res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, "network_error", `The server could not be reached (${e.message}).`);
    }
    if (res.status !== 401 || attempt >= 3) break;
    const reason = t ? "The server refused this token." : "This server needs an API token.";
    if (!(await askForToken(reason))) break;
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    throw new ApiError(res.status, json?.error || `http_${res.status}`, json?.message || text || res.statusText, json);
  }
  const position = res.headers.get("Consistency-Position");
  if (position) lastPosition = position;
  return { data: json, headers: res.headers, correlationId: res.headers.get("X-Correlation-Id") };
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "") q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

const enc = encodeURIComponent;

export const api = {
  /** Read-model list: {orders, next_cursor}. */
  listOrders: async (params) => (await request("GET", `/api/orders${query(params)}`)).data,
  /** Write-side state, optionally at a version. */
  order: async (id, version) => (await request("GET", `/api/orders/${enc(id)}${query({ version })}`)).data,
  history: async (id) => (await request("GET", `/api/orders/${enc(id)}/history`)).data,
  createOrder: (body) => request("POST", "/api/orders", { body }),
  /** POST /api/orders/{id}/{action}; with expectedVersion, a stale view gets 409 instead of acting blindly. */
  command: (id, action, body, expectedVersion) => request("POST", `/api/orders/${enc(id)}/${action}`, {
    body: body || {},
    headers: expectedVersion ? { "Expected-Version": String(expectedVersion) } : {},
  }),
  projections: async () => (await request("GET", "/api/projections")).data,
  health: async () => (await request("GET", "/health")).data,
  /** Events and bytes by part and storage tier (GET /api/storage). */
  storage: async () => (await request("GET", "/api/storage")).data,
};
