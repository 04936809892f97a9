// Picks the hub the page talks to and tracks the connection state.
//
// gonetify serves /config.js with window.GONETIFY_HUBS = {direct, gateway,
// default}: direct is the app server's own WebSocket hub, gateway the API
// Gateway stage URL (null when there is none). ?hub=direct|gateway|<ws URL>
// overrides the default.
import dotnetify from "dotnetify";

function defaultDirectURL() {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
}

/** The hubs this page may use: {direct: url, gateway: url | null}. */
export function availableHubs() {
  const cfg = window.GONETIFY_HUBS || {};
  return { direct: cfg.direct || defaultDirectURL(), gateway: cfg.gateway || null };
}

/** The hub in use: {kind: "direct" | "gateway" | "custom", url}. */
export function selectedHub() {
  const hubs = availableHubs();
  const asked = new URLSearchParams(location.search).get("hub");
  if (asked === "direct" || (asked === "gateway" && hubs.gateway)) return { kind: asked, url: hubs[asked] };
  if (asked && /^wss?:\/\//.test(asked)) return { kind: "custom", url: asked };
  const cfg = window.GONETIFY_HUBS || {};
  const kind = cfg.default === "gateway" && hubs.gateway ? "gateway" : "direct";
  return { kind, url: hubs[kind] };
}

/** Reloads the page on another hub, keeping the current tab. */
export function switchHub(kind) {
  const url = new URL(location.href);
  url.searchParams.set("hub", kind);
  location.assign(url.toString());
}

let state = "idle"; // until the first view model connects
const listeners = new Set();

/** The last state dotnetify reported (connecting, connected, reconnecting, disconnected, terminated, error), or idle before any. */
export function connectionState() {
  return state;
}

/** Calls fn on every connection state change; returns the unsubscribe function. */
export function onConnectionState(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Points dotnetify at the selected hub. Call once, before any VM connects. */
export function setupHub() {
  const hub = selectedHub();
  dotnetify.hub = dotnetify.createWebSocketHub(hub.url);
  dotnetify.connectionStateHandler = (s) => {
    state = s;
    listeners.forEach((fn) => fn(s));
  };
  return hub;
}
