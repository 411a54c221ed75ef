package composer

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// DecodeJWT reads a JWT's header and claims without verifying it, for the
// bearer helper. exp is the "exp" claim, zero when absent. A leading
// "Bearer " is ignored.
func DecodeJWT(token string) (header, claims map[string]any, exp time.Time, err error) {
	token = strings.TrimSpace(token)
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, time.Time{}, errors.New("not a JWT: expected three dot-separated parts")
	}
	if header, err = jwtPart(parts[0]); err != nil {
		return nil, nil, time.Time{}, fmt.Errorf("JWT header: %w", err)
	}
	if claims, err = jwtPart(parts[1]); err != nil {
		return nil, nil, time.Time{}, fmt.Errorf("JWT claims: %w", err)
	}
	switch v := claims["exp"].(type) {
	case float64:
		sec, frac := math.Modf(v)
		exp = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	case json.Number:
		if f, err := v.Float64(); err == nil {
			exp = time.Unix(int64(f), 0).UTC()
		}
	}
	return header, claims, exp, nil
}

func jwtPart(s string) (map[string]any, error) {
	data, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("not base64url: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	return m, nil
}
