package storage

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"
)

func TestOAuthTokenPerEnvironment(t *testing.T) {
	st, path := openTemp(t)
	if _, ok, err := st.OAuthToken("dev"); ok || err != nil {
		t.Fatalf("a new store has a token: %v %v", ok, err)
	}
	exp := time.Date(2026, 12, 6, 1, 2, 3, 0, time.UTC)
	dev := OAuthToken{AccessToken: "at-dev", RefreshToken: "rt-dev", TokenType: "Bearer", Expiry: exp,
		Scopes: []string{"read", "write"}, ObtainedAt: exp.Add(-time.Hour), Config: json.RawMessage(`{"grant":"client_credentials"}`)}
	if err := st.PutOAuthToken("dev", dev); err != nil {
		t.Fatal(err)
	}
	if err := st.PutOAuthToken("", OAuthToken{AccessToken: "at-none"}); err != nil {
		t.Fatal(err)
	}

	// It survives a restart; each environment keeps its own.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	got, ok, err := st2.OAuthToken("dev")
	if err != nil || !ok {
		t.Fatalf("dev token: %v %v", ok, err)
	}
	if got.AccessToken != "at-dev" || got.RefreshToken != "rt-dev" || got.TokenType != "Bearer" || !got.Expiry.Equal(exp) ||
		!slices.Equal(got.Scopes, dev.Scopes) || string(got.Config) != `{"grant":"client_credentials"}` {
		t.Errorf("dev token read back as %+v", got)
	}
	if none, ok, _ := st2.OAuthToken(""); !ok || none.AccessToken != "at-none" || !none.Expiry.IsZero() {
		t.Errorf("no-environment token read back as %+v %v", none, ok)
	}
	if _, ok, _ := st2.OAuthToken("prod"); ok {
		t.Error("prod has a token it was never given")
	}

	if err := st2.DeleteOAuthToken("dev"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st2.OAuthToken("dev"); ok {
		t.Error("dev token still there after DeleteOAuthToken")
	}
	if err := st2.DeleteOAuthToken("dev"); err != nil {
		t.Errorf("forgetting a missing token: %v", err)
	}
	if _, ok, _ := st2.OAuthToken(""); !ok {
		t.Error("forgetting dev's token forgot the no-environment one too")
	}
	// The tokens live in the file the store keeps at 0600.
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("store file mode %o, want 600", fi.Mode().Perm())
	}
}
