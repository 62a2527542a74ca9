// Two shared sources the views subscribe to: the store's live event feed (one EventSource for the whole page) and
// the projection status, polled every second with a short history for the charts.

import { api, token, TOKEN_EVENT } from "./api.js";

const BACKLOG = 30;        // events replayed on page load so the feed is not empty
const KEEP_EVENTS = 500;   // events kept in memory for the feed view
const KEEP_SAMPLES = 180;  // projection samples kept (3 minutes at 1/s)

class LiveEvents {
  constructor() {
    this.events = [];        // newest last
    this.listeners = new Set();
    this.statusListeners = new Set();
    this.state = "connecting";
    this.received = 0;
    this.arrivals = [];      // arrival times (ms) of recent events, for the rate
  }

  async start() {
    let after = null;
    try {
      const { head } = await api.health();
      // Totally ordered stores have numeric positions: replay a short backlog. Otherwise start at the head.
      if (/^\d+$/.test(head)) {
        after = String(Math.max(0, Number(head) - BACKLOG));
        this.backlogUntil = Number(head);
      }
    } catch {
      // the feed still connects, from the head
    }
    this.connect(after);
    // A page left open in the back/forward cache would keep its stream (and one of the browser's six connections
    // per host) open: close it when the page is hidden, resume after the last event seen when it comes back.
    // A token given after a 401 (or a new one): reconnect with it, after the last event seen.
    window.addEventListener(TOKEN_EVENT, () => {
      this.source?.close();
      this.connect(this.lastPosition ?? after);
    });
    window.addEventListener("pagehide", () => {
      this.source?.close();
      this.source = null;
    });
    window.addEventListener("pageshow", (e) => {
      if (e.persisted && !this.source) this.connect(this.lastPosition ?? null);
    });
  }

  connect(after) {
    // EventSource cannot send headers: the feed alone takes the token as a query parameter.
    const q = new URLSearchParams();
    if (after !== null) q.set("after", after);
    if (token()) q.set("access_token", token());
    const s = q.toString();
    this.source = new EventSource(`/api/events/live${s ? `?${s}` : ""}`);
    this.source.addEventListener("open", () => this.setState("live"));
    this.source.addEventListener("event", (e) => this.receive(e));
    this.source.addEventListener("error", (e) => {
      // Either a connection problem (EventSource retries, resuming after Last-Event-ID) or a server error frame.
      if (e.data) console.warn("live feed error", e.data);
      this.setState(this.source?.readyState === EventSource.CLOSED ? "down" : "reconnecting");
    });
  }

  receive(message) {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    // Events that were already stored when the page loaded are history, not news: views that react to changes skip them.
    if (this.backlogUntil !== undefined && /^\d+$/.test(event.position) && Number(event.position) <= this.backlogUntil) {
      event.backlog = true;
    }
    this.lastPosition = event.position;
    if (!event.backlog) {
      this.received++;
      const now = Date.now();
      this.arrivals.push(now);
      while (this.arrivals.length && now - this.arrivals[0] > 10_000) this.arrivals.shift();
    }
    this.events.push(event);
    if (this.events.length > KEEP_EVENTS) this.events.splice(0, this.events.length - KEEP_EVENTS);
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        console.error(err);
      }
    }
  }

  /** Events per second over the last 10 s. */
  rate() {
    const now = Date.now();
    return this.arrivals.filter((t) => now - t <= 10_000).length / 10;
  }

  setState(state) {
    this.state = state;
    for (const l of this.statusListeners) l(state);
  }

  /** Calls fn(event) for each new event; returns the unsubscribe function. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onStatus(fn) {
    this.statusListeners.add(fn);
    fn(this.state);
    return () => this.statusListeners.delete(fn);
  }
}

class ProjectionMonitor {
  constructor() {
    this.latest = null;       // the last /api/projections answer
    this.error = null;        // the last failure, if the last poll failed
    this.samples = new Map(); // name -> [{t, lagMs, lagEvents, eps}]
    this.listeners = new Set();
  }

  start() {
    const tick = async () => {
      try {
        this.latest = await api.projections();
        this.error = null;
        const t = Date.now();
        for (const p of this.latest.projections) {
          let list = this.samples.get(p.name);
          if (!list) this.samples.set(p.name, (list = []));
          list.push({ t, lagMs: p.lag_ms, lagEvents: p.lag_events, eps: p.events_per_second });
          if (list.length > KEEP_SAMPLES) list.splice(0, list.length - KEEP_SAMPLES);
        }
      } catch (e) {
        this.error = e;
      }
      for (const l of this.listeners) {
        try {
          l(this);
        } catch (err) {
          console.error(err);
        }
      }
    };
    tick();
    this.timer = setInterval(tick, 1000);
  }

  subscribe(fn) {
    this.listeners.add(fn);
    if (this.latest || this.error) fn(this);
    return () => this.listeners.delete(fn);
  }

  find(name) {
    return this.latest?.projections.find((p) => p.name === name) || null;
  }
}

export const live = new LiveEvents();
export const projections = new ProjectionMonitor();
