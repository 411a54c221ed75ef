package app

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"dev.hookscope/storage"
)

// API tokens with roles (docs/cli.md, "tokens"): each admits a TCP caller
// of the local API with one role. Only a SHA-256 hash of each token is
// kept: the tokens are 256 random bits, so a fast hash is as good as a slow
// one, and a copy of the database does not hand out access.

// Role is what an API token may do; each role includes the ones below it.
type Role int

const (
	// RoleNone is no role: the zero value, never granted.
	RoleNone Role = iota
	// RoleRead lists, shows, exports (redacted), waits and tails.
	RoleRead
	// RoleReplay adds replay and verify.
	RoleReplay
	// RoleAdmin adds everything else: settings, delete, import, tokens.
	RoleAdmin
)

var roleNames = map[Role]string{RoleRead: "read", RoleReplay: "replay", RoleAdmin: "admin"}

// Roles are the roles a token can have, least first.
func Roles() []Role { return []Role{RoleRead, RoleReplay, RoleAdmin} }

func (r Role) String() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return "none"
}

// ParseRole reads "read", "replay" or "admin".
func ParseRole(s string) (Role, error) {
	for r, n := range roleNames {
		if n == s {
			return r, nil
		}
	}
	return RoleNone, fmt.Errorf("%q is not a role (read, replay or admin)", s)
}

// Allows reports whether a caller with role r may do what needs role need.
func (r Role) Allows(need Role) bool { return need != RoleNone && r >= need }

// MarshalText writes the role's name.
func (r Role) MarshalText() ([]byte, error) {
	if _, ok := roleNames[r]; !ok {
		return nil, fmt.Errorf("role %d has no name", int(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText reads a role's name.
func (r *Role) UnmarshalText(b []byte) error {
	role, err := ParseRole(string(b))
	if err != nil {
		return err
	}
	*r = role
	return nil
}

// TokenPrefix starts every token made here, so one found in a log or a
// paste is recognisable (and secret scanners can match it).
const TokenPrefix = "hks_"

// TokenInfo is what is shown of a token: never the token itself.
type TokenInfo struct {
	Name    string    `json:"name"`
	Role    Role      `json:"role"`
	Created time.Time `json:"created"`
	// LastUsed is to the minute (zero: never): marking every call would
	// write to the store on every call.
	LastUsed time.Time `json:"last_used,omitzero"`
}

// storedToken is a token as the settings bucket keeps it.
type storedToken struct {
	TokenInfo
	SHA256 string `json:"sha256"`
}

// ErrNoSuchToken is returned by RevokeToken for a name no token has.
var ErrNoSuchToken = errors.New("no token has that name")

// tokensMu serialises every read-modify-write of the token list. It is one
// for the process rather than one per Core: the list is small, changed
// rarely, and a Core has nowhere else to keep it.
var tokensMu sync.Mutex

var tokenNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// CheckTokenName refuses a name that could not be typed back safely.
func CheckTokenName(name string) error {
	if !tokenNameRE.MatchString(name) {
		return fmt.Errorf("a token name is 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit (got %q)", name)
	}
	return nil
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// newToken is TokenPrefix and 256 random bits in hex.
func newToken() (string, error) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("make an API token: %w", err)
	}
	return TokenPrefix + hex.EncodeToString(buf), nil
}

func (c *Core) loadTokens() ([]storedToken, error) {
	raw, err := c.store.Setting(storage.SettingAPITokens)
	if err != nil || raw == nil {
		return nil, err
	}
	var list []storedToken
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("read the saved API tokens: %w", err)
	}
	return list, nil
}

func (c *Core) saveTokens(list []storedToken) error {
	raw, err := json.Marshal(list)
	if err != nil {
		return fmt.Errorf("save the API tokens: %w", err)
	}
	if err := c.store.PutSetting(storage.SettingAPITokens, raw); err != nil {
		return fmt.Errorf("save the API tokens: %w", err)
	}
	return nil
}

// Tokens lists the API tokens by name, without the tokens.
func (c *Core) Tokens() ([]TokenInfo, error) {
	tokensMu.Lock()
	defer tokensMu.Unlock()
	list, err := c.loadTokens()
	if err != nil {
		return nil, err
	}
	out := make([]TokenInfo, len(list))
	for i, t := range list {
		out[i] = t.TokenInfo
	}
	slices.SortFunc(out, func(a, b TokenInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// AddToken makes a token for name with role and keeps its hash. The token
// is returned this once; it cannot be read back.
func (c *Core) AddToken(name string, role Role) (string, TokenInfo, error) {
	if err := CheckTokenName(name); err != nil {
		return "", TokenInfo{}, err
	}
	if _, ok := roleNames[role]; !ok {
		return "", TokenInfo{}, fmt.Errorf("a token needs a role: read, replay or admin")
	}
	tokensMu.Lock()
	defer tokensMu.Unlock()
	list, err := c.loadTokens()
	if err != nil {
		return "", TokenInfo{}, err
	}
	for _, t := range list {
		if t.Name == name {
			return "", TokenInfo{}, fmt.Errorf("a token named %s exists already: revoke it first, or pick another name", name)
		}
	}
	token, err := newToken()
	if err != nil {
		return "", TokenInfo{}, err
	}
	info := TokenInfo{Name: name, Role: role, Created: time.Now().UTC()}
	if err := c.saveTokens(append(list, storedToken{TokenInfo: info, SHA256: hex.EncodeToString(hashToken(token))})); err != nil {
		return "", TokenInfo{}, err
	}
	return token, info, nil
}

// RevokeToken forgets the token named name; it is refused from then on.
func (c *Core) RevokeToken(name string) error {
	tokensMu.Lock()
	defer tokensMu.Unlock()
	list, err := c.loadTokens()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(t storedToken) bool { return t.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: %s (hookscope tokens lists them)", ErrNoSuchToken, name)
	}
	return c.saveTokens(slices.Delete(list, i, i+1))
}

// Authenticate finds the saved token a caller presents. Every saved hash
// is compared, each in constant time, so the answer's timing says nothing
// about which one nearly matched. The token's last use is noted to the
// minute; failing to note it does not refuse the caller.
func (c *Core) Authenticate(token string) (TokenInfo, bool) {
	if !strings.HasPrefix(token, TokenPrefix) {
		return TokenInfo{}, false
	}
	got := hashToken(token)
	tokensMu.Lock()
	defer tokensMu.Unlock()
	list, err := c.loadTokens()
	if err != nil {
		return TokenInfo{}, false
	}
	found := -1
	for i, t := range list {
		want, err := hex.DecodeString(t.SHA256)
		if err == nil && subtle.ConstantTimeCompare(got, want) == 1 {
			found = i
		}
	}
	if found < 0 {
		return TokenInfo{}, false
	}
	if now := time.Now().UTC().Truncate(time.Minute); !list[found].LastUsed.Equal(now) {
		list[found].LastUsed = now
		c.saveTokens(list) // advisory: a full disk must not lock the caller out
	}
	return list[found].TokenInfo, true
}
