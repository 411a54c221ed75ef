package broker

import (
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Target
		err  string // part of the sentence when refused
	}{
		{in: "nats://127.0.0.1:4222/hooks.orders", want: Target{Kind: NATS, Addr: "127.0.0.1:4222", Name: "hooks.orders"}},
		{in: "kafka://broker:9092/orders_v1-x", want: Target{Kind: Kafka, Addr: "broker:9092", Name: "orders_v1-x"}},
		{in: "NATS://[::1]:4222/a", want: Target{Kind: NATS, Addr: "[::1]:4222", Name: "a"}},
		{in: "nats://127.0.0.1/hooks", err: "needs host:port"},
		{in: "nats://:4222/hooks", err: "needs host:port"},
		{in: "kafka://h:99999/t", err: "from 1 to 65535"},
		{in: "nats://h:4222/", err: "names its subject"},
		{in: "nats://h:4222/a..b", err: "empty token"},
		{in: "nats://h:4222/hooks.*", err: "wildcard"},
		{in: "nats://h:4222/hooks/x", err: "slash"},
		{in: "kafka://h:9092/", err: "names its topic"},
		{in: "kafka://h:9092/a b", err: "may only hold"},
		{in: "kafka://h:9092/" + strings.Repeat("t", 250), err: "at most 249"},
		{in: "kafka://user:pw@h:9092/t", err: "credentials"},
		{in: "nats://h:4222/a?x=1", err: "no query"},
		{in: "amqp://h:5672/q", err: "starts with nats:// or kafka://"},
	} {
		got, err := ParseTarget(tc.in)
		if tc.err == "" {
			if err != nil || got != tc.want {
				t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseTarget(%q) error %v, want one saying %q", tc.in, err, tc.err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("ParseTarget(%q) repeats the password: %v", tc.in, err)
		}
	}
	if !IsTarget("Kafka://h:1/t") || IsTarget("http://h/nats://") {
		t.Error("IsTarget does not go by the scheme")
	}
}
