// Package broker publishes captures to message brokers: NATS JetStream
// (nats://host:port/subject) and Kafka (kafka://host:port/topic). The
// forwarder in app decides what to publish and when; this package only
// parses targets and talks to the broker behind the small Publisher
// interface, one file per broker.
package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Kinds of target.
const (
	NATS  = "nats"
	Kafka = "kafka"
)

// Target is a parsed broker target.
type Target struct {
	Kind string // NATS or Kafka
	Addr string // host:port
	// Name is the subject (NATS) or topic (Kafka).
	Name string
}

func (t Target) String() string { return t.Kind + "://" + t.Addr + "/" + t.Name }

// IsTarget reports whether target names a broker rather than an HTTP URL.
func IsTarget(target string) bool {
	l := strings.ToLower(target)
	return strings.HasPrefix(l, NATS+"://") || strings.HasPrefix(l, Kafka+"://")
}

// ParseTarget checks a nats:// or kafka:// target; its errors are one
// sentence saying what is wrong.
func ParseTarget(target string) (Target, error) {
	u, err := url.Parse(target)
	if err != nil {
		return Target{}, fmt.Errorf("%q is not a URL: %w", target, err)
	}
	kind := strings.ToLower(u.Scheme)
	if kind != NATS && kind != Kafka {
		return Target{}, fmt.Errorf("a broker target starts with nats:// or kafka:// (got %q)", target)
	}
	if u.User != nil {
		return Target{}, fmt.Errorf("credentials in a broker target are not supported; use a broker on a trusted network (got user %q)", u.User.Username())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return Target{}, fmt.Errorf("a broker target has no query or fragment: %s://host:port/name", kind)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		return Target{}, fmt.Errorf("a broker target needs host:port, as in %s://127.0.0.1:%s/name (got %q)", kind, defaultPort(kind), u.Host)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return Target{}, fmt.Errorf("the port of a broker target is a number from 1 to 65535 (got %q)", port)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if kind == NATS {
		err = checkSubject(name)
	} else {
		err = checkTopic(name)
	}
	if err != nil {
		return Target{}, err
	}
	return Target{Kind: kind, Addr: net.JoinHostPort(host, port), Name: name}, nil
}

func defaultPort(kind string) string {
	if kind == NATS {
		return "4222"
	}
	return "9092"
}

// checkSubject follows the NATS subject rules: dot-separated tokens, none
// empty, no whitespace, and no wildcards (a message goes to one subject).
func checkSubject(s string) error {
	if s == "" {
		return fmt.Errorf("a NATS target names its subject after the address: nats://host:port/hooks.orders")
	}
	for _, tok := range strings.Split(s, ".") {
		if tok == "" {
			return fmt.Errorf("the NATS subject %q has an empty token (two dots, or a dot at an end)", s)
		}
		if tok == "*" || tok == ">" {
			return fmt.Errorf("the NATS subject %q has a wildcard; a message is published to one subject", s)
		}
		if strings.ContainsAny(tok, " \t\r\n/") {
			return fmt.Errorf("the NATS subject %q has a space or a slash; tokens are separated by dots", s)
		}
	}
	return nil
}

// checkTopic follows Kafka's topic rules: 1 to 249 of [a-zA-Z0-9._-], and
// not "." or "..".
func checkTopic(s string) error {
	if s == "" {
		return fmt.Errorf("a Kafka target names its topic after the address: kafka://host:port/orders")
	}
	if len(s) > 249 || s == "." || s == ".." {
		return fmt.Errorf("the Kafka topic %q is not a valid name (at most 249 characters, not . or ..)", s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("the Kafka topic %q may only hold letters, digits, '.', '_' and '-'", s)
		}
	}
	return nil
}

// Header is one message header. Strings carry any bytes, so a captured
// value that is not UTF-8 goes out exactly as it came in.
type Header struct {
	Name  string
	Value string
}

// Message is one capture as published.
type Message struct {
	// ID is the capture ID: JetStream's Nats-Msg-Id, Kafka's record key.
	ID     string
	Header []Header
	Body   []byte
	// OrderKey keeps messages in order: Kafka sends equal keys to one
	// partition (the captured path).
	OrderKey string
}

// Publisher publishes one message and returns once the broker has
// acknowledged it; Ack says where it went ("stream HOOKS seq 42").
type Publisher interface {
	Publish(ctx context.Context, m Message) (ack string, err error)
	Close()
}

// ErrRejected marks an error no retry can mend: the broker refuses this
// message (too large, say). The forwarder records it and moves on rather
// than hold up every capture behind it.
var ErrRejected = errors.New("rejected by the broker")

type rejectedError struct{ err error }

func (e rejectedError) Error() string   { return e.err.Error() }
func (e rejectedError) Unwrap() []error { return []error{e.err, ErrRejected} }

func rejected(err error) error { return rejectedError{err} }

// Dial returns a publisher for t. It may return before the broker is
// reachable; Publish then fails until it is.
func Dial(t Target) (Publisher, error) {
	switch t.Kind {
	case NATS:
		return dialNATS(t)
	case Kafka:
		return dialKafka(t)
	}
	return nil, fmt.Errorf("unknown broker kind %q", t.Kind)
}
