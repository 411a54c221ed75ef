package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"dev.hookscope/storage"
)

// A saved secret is used only with the scheme it was saved for, and never
// sent in clear: `replay --resign --scheme gitlab` under a path whose saved
// secret was a GitHub key put the raw key in X-Gitlab-Token, sent it to the
// target and kept it in the replay history.
func TestSavedSecretStaysWithItsScheme(t *testing.T) {
	const githubKey = "It's a Secret to Everybody"
	c := openCore(t)
	if err := c.SaveSecret(SecretRule{Prefix: "/hooks/github", Scheme: "github", Secret: githubKey}); err != nil {
		t.Fatal(err)
	}
	if err := c.SaveSecret(SecretRule{Prefix: "/hooks/gitlab", Scheme: "gitlab", Secret: "gitlab-token-kept-here"}); err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	var lastHeader atomic.Value
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		lastHeader.Store(r.Header.Clone())
	}))
	defer target.Close()
	add := func(path string) uint64 {
		rec := &storage.Record{Summary: storage.Summary{Method: "POST", Path: path}, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"a":1}`)}
		id, err := c.Append(context.Background(), rec)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	gh, gl := add("/hooks/github/push"), add("/hooks/gitlab/push")

	for _, tc := range []struct {
		name   string
		id     uint64
		scheme string
		want   string
	}{
		{"another scheme with the GitHub key", gh, "gitlab", "only used with github"},
		{"another HMAC scheme with the GitHub key", gh, "stripe", "only used with github"},
		{"a token scheme with its own saved token", gl, "", "never sent in clear"},
	} {
		_, err := c.Replay(context.Background(), tc.id, ReplaySpec{Target: target.URL, Resign: true, Scheme: tc.scheme})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d request(s) reached the target after a refused re-sign", n)
	}
	if list, _ := c.Replays(gh); len(list) != 0 {
		t.Fatalf("refused re-signs were kept in the history: %+v", list)
	}

	// The saved secret with its own scheme works and is not in any header.
	entry, err := c.Replay(context.Background(), gh, ReplaySpec{Target: target.URL, Resign: true})
	if err != nil || entry.Resigned != "github" || hits.Load() != 1 {
		t.Fatalf("re-sign with the saved github key: %v (%q, %d hits)", err, entry.Resigned, hits.Load())
	}
	sent := lastHeader.Load().(http.Header)
	if sent.Get("X-Hub-Signature-256") == "" || revealsSecret(sent, githubKey) {
		t.Fatalf("headers sent: %v", sent)
	}
	// An explicit token is the caller's to send.
	if _, err := c.Replay(context.Background(), gl, ReplaySpec{Target: target.URL, Resign: true, Scheme: "gitlab", Secret: "my-own-token"}); err != nil {
		t.Fatalf("explicit gitlab token: %v", err)
	}
	if got := lastHeader.Load().(http.Header).Get("X-Gitlab-Token"); got != "my-own-token" {
		t.Fatalf("X-Gitlab-Token %q", got)
	}
}

func TestResolveSigningKeyVerifyRules(t *testing.T) {
	rules := func(path string) (SecretRule, bool) {
		return SecretRule{Prefix: "/s", Scheme: "stripe", Secret: "whsec_saved"}, strings.HasPrefix(path, "/s")
	}
	h := http.Header{"Stripe-Signature": {"t=1,v1=00"}}
	cases := []struct {
		path, scheme, secret string
		wantScheme, wantErr  string
		saved                bool
	}{
		{"/s/1", "", "", "stripe", "", true},
		{"/s/1", "auto", "", "stripe", "", true}, // auto detects stripe from the headers
		{"/s/1", "stripe", "", "stripe", "", true},
		{"/s/1", "github", "", "", "only used with stripe", false},
		{"/s/1", "", "mine", "stripe", "", false}, // own secret, the rule names the scheme
		{"/s/1", "github", "mine", "github", "", false},
		{"/other", "", "", "", "needs a secret", false},
		{"/other", "", "mine", "auto", "", false},
	}
	for _, tc := range cases {
		key, err := ResolveSigningKey(tc.path, tc.scheme, tc.secret, h, rules)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%+v: err %v, want %q", tc, err, tc.wantErr)
			}
			continue
		}
		if err != nil || key.Scheme != tc.wantScheme || key.Saved != tc.saved {
			t.Errorf("%+v: got %+v, %v", tc, key, err)
		}
	}
}
