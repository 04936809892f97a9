import { useSyncExternalStore } from "react";
import { connectionState, onConnectionState } from "../hub.js";

/** A dot and a word telling the hub connection's state. */
export default function ConnectionStatus() {
  const state = useSyncExternalStore(onConnectionState, connectionState);
  return (
    <span className={`conn conn-${state}`} data-testid="conn-state" data-state={state}>
      <span className="dot" aria-hidden="true" />
      {state}
    </span>
  );
}
