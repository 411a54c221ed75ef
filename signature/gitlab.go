package signature

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
)

// GitLab sends the secret token itself in X-Gitlab-Token: nothing is signed,
// the check is a constant-time equality. Since the received value is the
// secret when it is right, Expected and Received show only a length and a
// short SHA-256 fingerprint, enough to tell two tokens apart.
const gitlabHeader = "X-Gitlab-Token"

func gitlabSpec() spec {
	return spec{
		name:   "gitlab",
		verify: verifyGitLab,
		sign: func(req Request, opt Options) (http.Header, error) {
			if _, bad := needSecret(opt); bad {
				return nil, errNoSecret
			}
			h := http.Header{}
			h.Set(gitlabHeader, opt.Secret)
			return h, nil
		},
		detect: func(h http.Header) bool { return hasHeader(h, gitlabHeader) },
		key:    keyToken,
		noBody: true,
	}
}

func verifyGitLab(req Request, opt Options) Result {
	if r, bad := needSecret(opt); bad {
		return r
	}
	// Read the raw value: a token with surrounding spaces is a different token.
	vals := req.Header.Values(gitlabHeader)
	if len(vals) == 0 || vals[0] == "" {
		return invalid("missing %s header", gitlabHeader)
	}
	got := vals[0]
	ok := subtle.ConstantTimeCompare([]byte(got), []byte(opt.Secret)) == 1
	return check{expected: fingerprint(opt.Secret), received: fingerprint(got), matched: ok,
		mismatch: "token does not match the secret"}.result(opt)
}

func fingerprint(token string) string {
	sum := sha256.Sum256([]byte(token))
	return fmt.Sprintf("token of %d bytes, sha256 %x…", len(token), sum[:4])
}
