package auth

import (
	"encoding/json"
	"net/http"
	"time"
)

// CheckPassword checks a user's password and returns the user's roles.
type CheckPassword func(user, password string) (roles []string, ok bool)

// TokenHandler returns an OAuth 2 resource-owner password endpoint (what
// dotNetify's demo serves at POST /token): a form with grant_type=password,
// username and password gives
// {"access_token": …, "token_type": "Bearer", "expires_in": seconds};
// wrong credentials give 400 {"error": "invalid_grant"}.
func (j *JWT) TokenHandler(check CheckPassword, lifetime time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST with a form")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be a form (application/x-www-form-urlencoded) of at most 16 KiB")
			return
		}
		if gt := r.PostForm.Get("grant_type"); gt != "password" {
			oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be password")
			return
		}
		user, pass := r.PostForm.Get("username"), r.PostForm.Get("password")
		roles, ok := check(user, pass)
		if user == "" || !ok {
			j.log.Info("token refused: wrong credentials", "user", user, "remote", r.RemoteAddr)
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the user name or password is incorrect")
			return
		}
		tok, _, err := j.Issue(user, roles, lifetime)
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", "could not sign the token")
			return
		}
		j.log.Info("token issued", "user", user, "roles", roles, "lifetime", lifetime)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": tok,
			"token_type":   "Bearer",
			"expires_in":   int(lifetime / time.Second),
		})
	})
}

func oauthError(w http.ResponseWriter, code int, kind, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": kind, "error_description": desc})
}
