/** Shows an exception the server sent ({name, message}), dismissible. */
export default function ErrorBanner({ error, onClose }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <strong>{error.name}</strong>: {error.message}
      {onClose && (
        <button className="link" onClick={onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}
