// Which hub a page talks to, without the dotnetify client (the React page
// and the Vue page each bring their own build of it).
//
// gonetify serves /config.js with window.GONETIFY_HUBS = {direct, gateway,
// default}: direct is the app server's own WebSocket hub, gateway the API
// Gateway stage URL (null when there is none). ?hub=direct|gateway|<ws URL>
// overrides the default; ?hub=signalr uses dotNetify's default transport,
// SignalR, at this host's /dotnetify.

function defaultDirectURL() {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
}

/** The hubs this page may use: {direct: url, gateway: url | null}. */
export function availableHubs() {
  const cfg = window.GONETIFY_HUBS || {};
  return { direct: cfg.direct || defaultDirectURL(), gateway: cfg.gateway || null };
}

/** The hub in use: {kind: "direct" | "gateway" | "signalr" | "custom", url}. */
export function selectedHub() {
  const hubs = availableHubs();
  const asked = new URLSearchParams(location.search).get("hub");
  if (asked === "signalr") return { kind: "signalr", url: location.origin + "/dotnetify" };
  if (asked === "direct" || (asked === "gateway" && hubs.gateway)) return { kind: asked, url: hubs[asked] };
  if (asked && /^wss?:\/\//.test(asked)) return { kind: "custom", url: asked };
  const cfg = window.GONETIFY_HUBS || {};
  const kind = cfg.default === "gateway" && hubs.gateway ? "gateway" : "direct";
  return { kind, url: hubs[kind] };
}


/**
 * Points a dotnetify client (the React or the Vue build) at hub: a
 * WebSocket hub, or, for "signalr", its default SignalR hub at this host
 * (dotnetify.hubServerUrl).
 */
export function applyHub(dotnetify, hub) {
  if (hub.kind === "signalr") dotnetify.hubServerUrl = location.origin;
  else dotnetify.hub = dotnetify.createWebSocketHub(hub.url);
}
