import { useState } from "react";
import { useVM } from "../useVM.js";
import ErrorBanner from "../components/ErrorBanner.jsx";

/**
 * SecurePage: log in (POST /token, the OAuth password grant) and connect
 * SecurePageVM and AdminSecurePageVM with the bearer token in the connect
 * headers. Any user name works with password "dotnetify"; user "admin" also
 * sees the admin view model. The token lives in this page's memory only.
 */
export default function SecurePage() {
  const [token, setToken] = useState(null);
  return (
    <section>
      <h2>Secure Page</h2>
      {token ? (
        <SecureViews key={token.access} token={token} onLogout={() => setToken(null)} />
      ) : (
        <Login onToken={setToken} />
      )}
    </section>
  );
}

function Login({ onToken }) {
  const [username, setUsername] = useState("guest");
  const [password, setPassword] = useState("dotnetify");
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);

  const login = async (e) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const res = await fetch("token", {
        method: "POST",
        body: new URLSearchParams({ username, password, grant_type: "password" }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok || !body.access_token) {
        setProblem(body.error_description || (res.status === 404 ? "This server does not issue tokens (no POST /token)." : `Login failed (HTTP ${res.status}).`));
        return;
      }
      onToken({ access: body.access_token, user: username, expiresIn: body.expires_in });
    } catch (err) {
      setProblem(`Login failed: ${err.message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card login" onSubmit={login} data-testid="login">
      <p className="hint">
        Password <code>dotnetify</code> for any user; user <code>admin</code> may also see the admin view.
      </p>
      <label>
        User name
        <input data-testid="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
      </label>
      <label>
        Password
        <input data-testid="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      {problem && (
        <div className="error" role="alert" data-testid="login-error">
          {problem}
        </div>
      )}
      <button type="submit" data-testid="login-submit" disabled={busy}>
        Log in
      </button>
    </form>
  );
}

function SecureViews({ token, onLogout }) {
  const headers = { Authorization: "Bearer " + token.access };
  return (
    <>
      <p className="logged-in">
        Logged in as <strong data-testid="logged-in-user">{token.user}</strong>
        <button className="link" data-testid="logout" onClick={onLogout}>
          Log out
        </button>
      </p>
      <div className="grid2">
        <SecureData headers={headers} />
        <AdminData headers={headers} />
      </div>
    </>
  );
}

function SecureData({ headers }) {
  const { state, error } = useVM("SecurePageVM", {}, { headers });
  return (
    <div className="card" data-testid="secure">
      <h3>SecurePageVM</h3>
      <ErrorBanner error={error} />
      <p data-testid="secure-caption">{state.SecureCaption}</p>
      <p className="muted" data-testid="secure-data">
        {state.SecureData}
      </p>
    </div>
  );
}

function AdminData({ headers }) {
  const { state, error } = useVM("AdminSecurePageVM", {}, { headers });
  return (
    <div className="card" data-testid="admin">
      <h3>AdminSecurePageVM</h3>
      {error ? (
        <p className="muted" data-testid="admin-denied">
          Not for this user: {error.message}
        </p>
      ) : (
        <>
          <p data-testid="token-issuer">{state.TokenIssuer}</p>
          <p className="muted">{state.TokenValidFrom}</p>
          <p className="muted">{state.TokenValidTo}</p>
        </>
      )}
    </div>
  );
}
