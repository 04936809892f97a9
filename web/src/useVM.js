// useVM connects a component to a server view model with the official
// client's useConnect hook, and collects the exceptions the server sends.
import { useCallback, useRef, useState } from "react";
import { useConnect } from "dotnetify";

/**
 * Returns {state, dispatch, set, setLocal, error, clearError}:
 * dispatch(values) sends values (commands or properties) to the server view
 * model; setLocal(values) changes only the local state; set(values) does
 * both, since the server does not echo back what it accepted. The functions
 * keep their identity across renders. options are dotnetify's connect
 * options (vmArg, headers), read once, when the component mounts.
 */
export function useVM(vmId, initialState = {}, options = {}) {
  const [error, setError] = useState(null);
  const conn = useConnect(vmId, initialState, { ...options, exceptionHandler: setError });
  const latest = useRef(conn);
  latest.current = conn;

  const dispatch = useCallback((values) => latest.current.vm?.$dispatch(values), []);
  const setLocal = useCallback((values) => latest.current.setState(values), []);
  const set = useCallback((values) => {
    latest.current.setState(values);
    latest.current.vm?.$dispatch(values);
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { state: conn.state, dispatch, set, setLocal, error, clearError };
}
