package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// AccessTokenLifetime is how long an access JWT from /api/token/refresh
// lives, as in Label Studio.
const AccessTokenLifetime = 5 * time.Minute

// authenticator checks API credentials: the legacy token (Token <key>),
// the same key as a Bearer token (a labelhook convenience), and access
// JWTs minted by /api/token/refresh from a refresh JWT the mock signed.
type authenticator struct {
	token []byte
	key   []byte // HMAC key for the JWTs, derived from the token
	now   func() time.Time
}

func newAuthenticator(token string, now func() time.Time) *authenticator {
	k := sha256.Sum256([]byte("labelhook-jwt:" + token))
	return &authenticator{token: []byte(token), key: k[:], now: now}
}

// claims are the JWT claims Label Studio's simplejwt tokens carry.
type claims struct {
	TokenType string `json:"token_type"`
	UserID    int    `json:"user_id"`
	jwt.RegisteredClaims
}

// RefreshToken returns a personal access token (a refresh JWT) for the
// server's token. It is deterministic: the same token always gives the same
// PAT, and it expires in 2126, as the SDK requires an exp claim.
func RefreshToken(token string) string {
	a := newAuthenticator(token, time.Now)
	return a.sign("refresh", time.Date(2126, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
}

func (a *authenticator) sign(kind string, exp, iat time.Time) string {
	c := claims{TokenType: kind, UserID: userID, RegisteredClaims: jwt.RegisteredClaims{
		ExpiresAt: jwt.NewNumericDate(exp),
		IssuedAt:  jwt.NewNumericDate(iat),
		ID:        "labelhook-" + kind,
	}}
	s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(a.key)
	return s
}

// verify checks a JWT of the given type signed by this server.
func (a *authenticator) verify(raw, kind string) bool {
	var c claims
	tok, err := jwt.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return a.key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(a.now), jwt.WithExpirationRequired())
	return err == nil && tok.Valid && c.TokenType == kind
}

// access mints an access JWT that expires after AccessTokenLifetime.
func (a *authenticator) access() string {
	now := a.now()
	return a.sign("access", now.Add(AccessTokenLifetime), now)
}

func (a *authenticator) check(header string) bool {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok {
		return false
	}
	cred = strings.TrimSpace(cred)
	switch strings.ToLower(scheme) {
	case "token":
		return subtle.ConstantTimeCompare([]byte(cred), a.token) == 1
	case "bearer":
		return subtle.ConstantTimeCompare([]byte(cred), a.token) == 1 || a.verify(cred, "access")
	}
	return false
}

// requireAuth answers 401 in the envelope when the request has no valid
// credentials, with WWW-Authenticate: Token as DRF's TokenAuthentication.
func (s *Server) requireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			s.writeError(w, r, &apiError{Status: http.StatusUnauthorized,
				Detail: "Authentication credentials were not provided.", Header: http.Header{"Www-Authenticate": {"Token"}}})
			return
		}
		if !s.auth.check(h) {
			s.writeError(w, r, &apiError{Status: http.StatusUnauthorized,
				Detail: "Invalid token.", Header: http.Header{"Www-Authenticate": {"Token"}}})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// handleTokenRefresh serves POST /api/token/refresh: it exchanges a
// refresh JWT (a personal access token) for an access JWT with exp.
func (s *Server) handleTokenRefresh(w http.ResponseWriter, r *http.Request) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	var refresh string
	if !f.has("refresh") {
		f.errs.add("refresh", "This field is required.")
	} else {
		f.str("refresh", &refresh)
	}
	if err := f.errs.err(); err != nil {
		return err
	}
	if !s.auth.verify(refresh, "refresh") {
		return &apiError{Status: http.StatusUnauthorized, Detail: "Token is invalid or expired"}
	}
	writeJSON(w, http.StatusOK, map[string]string{"access": s.auth.access()})
	return nil
}

// handleCurrentToken serves GET /api/current-user/token.
func (s *Server) handleCurrentToken(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"token": string(s.auth.token)})
	return nil
}
