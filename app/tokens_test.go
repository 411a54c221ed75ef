package app

import (
	"bytes"
	"errors"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"dev.hookscope/storage"
)

func TestTokensAreRandomHashedAndRevocable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.db")
	c, err := Open(Config{DBPath: path})
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, r := range Roles() {
		tok, info, err := c.AddToken("t-"+r.String(), r)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^hks_[0-9a-f]{64}$`).MatchString(tok) {
			t.Fatalf("token %q is not hks_ and 256 bits in hex", tok)
		}
		if info.Role != r || info.Created.IsZero() || !info.LastUsed.IsZero() {
			t.Fatalf("info %+v", info)
		}
		tokens[r.String()] = tok
	}
	if tokens["read"] == tokens["admin"] {
		t.Fatal("two tokens are the same")
	}
	// Only hashes are kept.
	raw, err := c.store.Setting(storage.SettingAPITokens)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range tokens {
		if bytes.Contains(raw, []byte(tok)) || bytes.Contains(raw, []byte(tok[len(TokenPrefix):])) {
			t.Fatalf("the store holds a token in clear: %s", raw)
		}
	}
	if _, _, err := c.AddToken("t-read", RoleAdmin); err == nil {
		t.Fatal("a second token of the same name was made")
	}
	for _, bad := range []string{"", "-x", "a b", "a/b", string(make([]byte, 65))} {
		if _, _, err := c.AddToken(bad, RoleRead); err == nil {
			t.Fatalf("the name %q was accepted", bad)
		}
	}
	if _, _, err := c.AddToken("norole", RoleNone); err == nil {
		t.Fatal("a token without a role was made")
	}

	info, ok := c.Authenticate(tokens["replay"])
	if !ok || info.Name != "t-replay" || info.Role != RoleReplay {
		t.Fatalf("authenticate: %+v %v", info, ok)
	}
	for _, wrong := range []string{"", "hks_", tokens["replay"] + "0", tokens["replay"][:len(tokens["replay"])-1], tokens["replay"][len(TokenPrefix):]} {
		if _, ok := c.Authenticate(wrong); ok {
			t.Fatalf("%q was accepted", wrong)
		}
	}
	list, err := c.Tokens()
	if err != nil || len(list) != 3 || list[0].Name != "t-admin" || list[2].Name != "t-replay" {
		t.Fatalf("list %+v %v", list, err)
	}
	if used := list[2].LastUsed; used.IsZero() || time.Since(used) > 2*time.Minute || used.Truncate(time.Minute) != used {
		t.Fatalf("last used %v, want this minute", used)
	}

	if err := c.RevokeToken("t-replay"); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Authenticate(tokens["replay"]); ok {
		t.Fatal("a revoked token was accepted")
	}
	if err := c.RevokeToken("t-replay"); !errors.Is(err, ErrNoSuchToken) {
		t.Fatalf("revoking twice: %v", err)
	}
	// Kept across a reopen.
	c.Close()
	if c, err = Open(Config{DBPath: path}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if info, ok := c.Authenticate(tokens["read"]); !ok || info.Role != RoleRead {
		t.Fatalf("after reopening: %+v %v", info, ok)
	}
	if _, ok := c.Authenticate(tokens["replay"]); ok {
		t.Fatal("a revoked token came back after reopening")
	}
}

func TestRoleNames(t *testing.T) {
	for _, r := range Roles() {
		got, err := ParseRole(r.String())
		if err != nil || got != r {
			t.Fatalf("%v: %v %v", r, got, err)
		}
		b, err := r.MarshalText()
		if err != nil || string(b) != r.String() {
			t.Fatalf("marshal %v: %s %v", r, b, err)
		}
	}
	if _, err := ParseRole("root"); err == nil {
		t.Fatal("root is a role")
	}
	if RoleRead.Allows(RoleReplay) || !RoleAdmin.Allows(RoleRead) || RoleAdmin.Allows(RoleNone) {
		t.Fatal("Allows is wrong")
	}
}
