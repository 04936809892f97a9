// Points the React page's dotnetify client at the hub hubs.js picks, and
// tracks the connection state.
import dotnetify from "dotnetify";
import { selectedHub, applyHub } from "./hubs.js";

export { availableHubs, selectedHub } from "./hubs.js";

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
  applyHub(dotnetify, hub);
  dotnetify.connectionStateHandler = (s) => {
    state = s;
    listeners.forEach((fn) => fn(s));
  };
  return hub;
}
