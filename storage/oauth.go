package storage

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// OAuth tokens of the composer are kept in the settings bucket, one key
// per environment, rather than in a bucket of their own: checkOwnBuckets
// makes an older Hookscope refuse a file with a bucket it does not know,
// and a token is no reason to lock anyone out of their captures.
const settingOAuthTokenPrefix = "composer_oauth_token:"

// OAuthToken is what an OAuth 2.0 flow obtained for one composer
// environment. AccessToken and RefreshToken are secrets: nothing prints,
// logs or exports them. Config is the composer's own JSON of the OAuth
// settings the token came from (storage does not read it), so a refresh
// works wherever {{oauth.access_token}} is used, not only in the request
// that obtained it. A zero Expiry means the server gave none.
type OAuthToken struct {
	AccessToken  string          `json:"access_token"`
	RefreshToken string          `json:"refresh_token,omitempty"`
	TokenType    string          `json:"token_type,omitempty"`
	Expiry       time.Time       `json:"expiry,omitzero"`
	Scopes       []string        `json:"scopes,omitempty"`
	ObtainedAt   time.Time       `json:"obtained_at"`
	Config       json.RawMessage `json:"config,omitempty"`
}

func oauthKey(env string) []byte { return []byte(settingOAuthTokenPrefix + env) }

// OAuthToken returns the token kept for environment env ("" is the
// composer's "No environment"); ok is false when there is none.
func (s *Store) OAuthToken(env string) (tok OAuthToken, ok bool, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketSettings).Get(oauthKey(env))
		if raw == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(raw, &tok) // copies out of the transaction's memory
	})
	if err != nil {
		return OAuthToken{}, false, fmt.Errorf("read the OAuth token of environment %q: %w", env, err)
	}
	return tok, ok, nil
}

// PutOAuthToken keeps tok as environment env's token, replacing any.
func (s *Store) PutOAuthToken(env string, tok OAuthToken) error {
	raw, err := json.Marshal(tok)
	if err != nil {
		return fmt.Errorf("save the OAuth token of environment %q: %w", env, err)
	}
	err = s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSettings).Put(oauthKey(env), raw)
	})
	if err != nil {
		return fmt.Errorf("save the OAuth token of environment %q: %w", env, err)
	}
	return nil
}

// DeleteOAuthToken forgets environment env's token; none is no error.
func (s *Store) DeleteOAuthToken(env string) error {
	err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSettings).Delete(oauthKey(env))
	})
	if err != nil {
		return fmt.Errorf("forget the OAuth token of environment %q: %w", env, err)
	}
	return nil
}
