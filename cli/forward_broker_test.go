package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// forward add takes nats:// and kafka:// targets (docs/cli.md, "Publish
// to NATS or Kafka") and refuses malformed ones, or relay, in a sentence.
func TestForwardAddBrokerTargets(t *testing.T) {
	db := filepath.Join(t.TempDir(), "b.db")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"forward", "add", "/x", "nats://127.0.0.1:4222/hooks.x"}, 0, "added forward rule: /x → nats://127.0.0.1:4222/hooks.x\n"},
		{[]string{"forward", "add", "/k", "kafka://127.0.0.1:9092/orders"}, 0, "added forward rule: /k → kafka://127.0.0.1:9092/orders\n"},
		{[]string{"forward", "add", "/y", "nats://127.0.0.1/hooks"}, 2, "needs host:port"},
		{[]string{"forward", "add", "/y", "nats://127.0.0.1:4222/hooks.>"}, 2, "wildcard"},
		{[]string{"forward", "add", "/z", "kafka://127.0.0.1:9092/t", "--relay"}, 2, "relay needs an HTTP target"},
		{[]string{"forward", "--json"}, 0, `[{"prefix":"/x","target":"nats://127.0.0.1:4222/hooks.x","enabled":true},{"prefix":"/k","target":"kafka://127.0.0.1:9092/orders","enabled":true}]`},
	} {
		code, out, errOut := run(append(tc.args, "--db", db)...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, out, errOut, tc.code, tc.want)
		}
	}
}
