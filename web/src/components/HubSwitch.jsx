import { availableHubs, switchHub } from "../hub.js";

/** Switches between the direct WebSocket hub and the API Gateway (reloads the page); hidden without a gateway. */
export default function HubSwitch({ hub }) {
  const hubs = availableHubs();
  if (!hubs.gateway) return null;
  return (
    <div className="hub-switch" role="group" aria-label="Hub">
      {["direct", "gateway"].map((kind) => (
        <button
          key={kind}
          className={hub.kind === kind ? "active" : ""}
          aria-pressed={hub.kind === kind}
          title={hubs[kind]}
          onClick={() => hub.kind !== kind && switchHub(kind)}
        >
          {kind === "direct" ? "Direct WebSocket" : "API Gateway"}
        </button>
      ))}
    </div>
  );
}
