import { useEffect, useRef, useState } from "react";
import { useVM } from "../useVM.js";
import ErrorBanner from "../components/ErrorBanner.jsx";

/**
 * ChatRoomVM: one room shared by every browser. Joining adds a user; a
 * message starting with "<user name>:" goes to that user only.
 */
export default function ChatRoom() {
  const { state, setLocal, dispatch, error, clearError } = useVM("ChatRoomVM");
  const [text, setText] = useState("");
  const [name, setName] = useState("");
  const [privates, setPrivates] = useState([]);
  const correlationId = useRef(String(Math.random()));
  const joined = useRef(false);
  const loaded = state.Users !== undefined;

  // Join once the VM is there.
  useEffect(() => {
    if (loaded && !joined.current) {
      joined.current = true;
      dispatch({ AddUser: correlationId.current });
    }
  }, [loaded, dispatch]);

  // A private message comes as PrivateMessage: keep it as a line, reset the property.
  useEffect(() => {
    if (state.PrivateMessage) {
      setPrivates((list) => [...list, state.PrivateMessage]);
      setLocal({ PrivateMessage: null });
    }
  }, [state.PrivateMessage, setLocal]);

  const users = state.Users || [];
  const me = users.find((u) => u.CorrelationId === correlationId.current);
  const lines = [...(state.Messages || []), ...privates.map((m) => ({ ...m, private: true }))].sort((a, b) => new Date(a.Date) - new Date(b.Date));

  const send = (e) => {
    e.preventDefault();
    if (!text.trim()) return;
    dispatch({ SendMessage: { Text: text, Date: new Date(), UserName: name.trim() } });
    setText("");
  };

  return (
    <section>
      <h2>Chat Room</h2>
      <p className="hint">Open this tab in another window to chat. Start a message with “name:” to whisper.</p>
      <ErrorBanner error={error} onClose={clearError} />
      <div className="chat">
        <div className="card messages" data-testid="messages">
          {lines.length === 0 && <p className="muted">No messages yet.</p>}
          {lines.map((m) => (
            <div key={(m.private ? "p" : "m") + m.Id} className={`message${m.private ? " private" : ""}${m.UserId === me?.Id ? " mine" : ""}`}>
              <span className="who">{m.UserName}</span>
              <span className="when">{new Date(m.Date).toLocaleTimeString()}</span>
              <div className="text">
                {m.private && <em>(private) </em>}
                {m.Text}
              </div>
            </div>
          ))}
        </div>
        <aside className="card users">
          <h3>In the room ({users.length})</h3>
          <ul data-testid="users">
            {users.map((u) => (
              <li key={u.Id} className={u === me ? "me" : ""}>
                {u.Name}
                {u === me && " (you)"}
                {u.Browser && <span className="muted"> · {u.Browser}</span>}
              </li>
            ))}
          </ul>
        </aside>
      </div>
      <form className="send" onSubmit={send}>
        <input data-testid="chat-name" placeholder={me ? `Your name (${me.Name})` : "Your name"} value={name} onChange={(e) => setName(e.target.value)} />
        <input data-testid="chat-text" className="grow" placeholder="Message" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit" data-testid="chat-send" disabled={!me}>
          Send
        </button>
      </form>
    </section>
  );
}
