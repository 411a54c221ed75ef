package replay

import (
	"encoding/json"
	"strings"
	"testing"
)

// unmarshalID is what topLevelID must match.
func unmarshalID(body []byte) (string, bool) {
	var ev struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(body, &ev) != nil {
		return "", false
	}
	return ev.ID, true
}

var topIDCases = []string{
	`{"id":"evt_1","object":"event"}`,
	` {"object":"event", "data":{"id":"evt_inner"}, "id" : "evt_2"} `,
	`{"id":"evt_1","id":"evt_2"}`,   // the last wins
	`{"ID":"evt_upper"}`,            // keys fold
	`{"Id":"evt_a","iD":null}`,      // null leaves it
	`{"id":7}`,                      // type error
	`{"id":{"x":1},"y":2}`,          // type error
	`{"id":"evt_\u0031"}`,           // escaped: Unmarshal's answer
	`{"\u0069d":"evt_escaped_key"}`, // escaped key
	`{"İd":"evt_dotted"}`,           // non-ASCII key folds to id
	`{"id":"evt_é"}`,                // non-ASCII value
	"{\"id\":\"evt_\xff\"}",         // invalid UTF-8 is repaired
	`{"id":"evt_1"} x`,              // trailing garbage
	`{"id":"evt_1",}`,               // trailing comma
	`{"id":"evt_1"`,                 // cut short
	`{"id":"evt_1","n":01}`,         // leading zero
	`{"id":"evt_1","n":-0.5e+10,"t":true,"f":false,"z":null,"a":[1,[],{}]}`,
	`{"id":"evt_1","n":1.}`,
	`{"id":"evt_1","s":"tab	here"}`, // a raw control character
	`null`, `[1]`, `"evt_1"`, ``, `   `, `{}`, `{ }`,
	`{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `,"id":"evt_deep"}`,
	`{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `,"id":"evt_too_deep"}`,
	`{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12G4"}`, `{"a":tru}`,
}

func TestTopLevelIDMatchesUnmarshal(t *testing.T) {
	for _, c := range topIDCases {
		gotID, gotOK := topLevelID([]byte(c))
		wantID, wantOK := unmarshalID([]byte(c))
		if gotID != wantID || gotOK != wantOK {
			short := c
			if len(short) > 60 {
				short = short[:60] + "…"
			}
			t.Errorf("%q: (%q, %v), Unmarshal says (%q, %v)", short, gotID, gotOK, wantID, wantOK)
		}
	}
	// The common case must not need Unmarshal at all.
	if _, _, exact := scanTopLevelID([]byte(topIDCases[1])); !exact {
		t.Error("a plain Stripe event fell back to json.Unmarshal")
	}
}

func FuzzTopLevelID(f *testing.F) {
	for _, c := range topIDCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		gotID, gotOK := topLevelID(body)
		wantID, wantOK := unmarshalID(body)
		if gotID != wantID || gotOK != wantOK {
			t.Fatalf("%q: (%q, %v), Unmarshal says (%q, %v)", body, gotID, gotOK, wantID, wantOK)
		}
	})
}

// BenchmarkStripeEventID is the bench's 650-byte event (scripts/loadgen).
func BenchmarkStripeEventID(b *testing.B) {
	head := `{"id":"evt_1NqHk2LkdI00000000000042","object":"event","type":"invoice.paid","created":1700000000,"data":{"object":{"id":"in_1NqHk1LkdIwHu7ix","amount_paid":2000,"currency":"usd","customer":"cus_Oe4Xa0fJ2bX3Yz","lines":[],"note":"`
	body := []byte(head + strings.Repeat("x", 650-len(head)-4) + `"}}}`)
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			stripeEventID(body)
		}
	})
	b.Run("unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			unmarshalID(body)
		}
	})
}
