package composer

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"dev.hookscope/contract"
	"dev.hookscope/sender"
	"dev.hookscope/storage"
)

// A collection imported from an OpenAPI spec remembers the spec, and each
// of its requests the operation it was made from (Request.OpenAPI), so the
// composer checks the answers against that operation's response schema
// (docs/cli.md, "composer"). The spec's bytes are kept in the settings
// bucket by SHA-256, where the contracts attached to capture paths keep
// theirs: one copy of a spec however many use it.

// Origin is the operation of an imported spec a request was made from.
type Origin struct {
	// Collection is the collection the spec was imported into; the spec
	// is looked up by it, so importing it again updates every request.
	Collection string `json:"collection"`
	contract.Operation
}

// SpecStore keeps the specs; *storage.Store has it.
type SpecStore interface {
	Setting(name string) ([]byte, error)
	PutSetting(name string, value []byte) error
}

// CollectionSpec is what a collection remembers of its spec.
type CollectionSpec struct {
	Spec   string `json:"spec"`
	SHA256 string `json:"spec_sha256"`
}

// SaveSpec keeps data as the spec collection's answers are checked
// against, replacing the one it had.
func SaveSpec(st SpecStore, collection string, data []byte) (CollectionSpec, error) {
	s, err := contract.Load(data)
	if err != nil {
		return CollectionSpec{}, err
	}
	if err := st.PutSetting(storage.SettingContractSpecPrefix+s.SHA256(), data); err != nil {
		return CollectionSpec{}, fmt.Errorf("save the spec: %w", err)
	}
	cs := CollectionSpec{Spec: s.Name(), SHA256: s.SHA256()}
	raw, _ := json.Marshal(cs)
	if err := st.PutSetting(storage.SettingComposerSpecPrefix+collection, raw); err != nil {
		return CollectionSpec{}, fmt.Errorf("save the spec of %q: %w", collection, err)
	}
	specs.put(s)
	return cs, nil
}

// specCache keeps the last few specs loaded, by SHA-256: loading a large
// spec takes a while, and a user sends many requests of one collection.
type specCache struct {
	mu    sync.Mutex
	order []string
	byHex map[string]*contract.Spec
}

const specsCached = 4

var specs = &specCache{byHex: map[string]*contract.Spec{}}

func (c *specCache) get(sha string) *contract.Spec {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byHex[sha]
}

func (c *specCache) put(s *contract.Spec) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byHex[s.SHA256()]; ok {
		return
	}
	if len(c.order) == specsCached {
		delete(c.byHex, c.order[0])
		c.order = c.order[1:]
	}
	c.order = append(c.order, s.SHA256())
	c.byHex[s.SHA256()] = s
}

// SpecOf is the spec collection was imported from; nil when it has none.
func SpecOf(st SpecStore, collection string) (*contract.Spec, error) {
	raw, err := st.Setting(storage.SettingComposerSpecPrefix + collection)
	if err != nil {
		return nil, fmt.Errorf("read the spec of %q: %w", collection, err)
	}
	if len(raw) == 0 {
		return nil, nil // never imported with a spec, or its spec could not be loaded
	}
	var cs CollectionSpec
	if err := json.Unmarshal(raw, &cs); err != nil {
		return nil, fmt.Errorf("the spec of %q is damaged: %w", collection, err)
	}
	if s := specs.get(cs.SHA256); s != nil {
		return s, nil
	}
	data, err := st.Setting(storage.SettingContractSpecPrefix + cs.SHA256)
	if err != nil || data == nil {
		return nil, fmt.Errorf("the spec of %q (sha256:%.12s) is missing from the store; import it again", collection, cs.SHA256)
	}
	s, err := contract.Load(data)
	if err != nil {
		return nil, fmt.Errorf("the spec of %q: %w", collection, err)
	}
	specs.put(s)
	return s, nil
}

// AnswerCheck is the outcome of checking an answer: a Verdict, or a Note
// saying quietly why there is none ("" when the request has no spec).
type AnswerCheck struct {
	Verdict *contract.Verdict `json:"verdict,omitempty"`
	Note    string            `json:"note,omitempty"`
}

// CheckAnswer checks resp against the response schema of the operation r
// was imported from. A request not made from a spec is not checked.
func CheckAnswer(st SpecStore, r Request, resp *sender.Response) AnswerCheck {
	o := r.OpenAPI
	if o == nil || st == nil || resp == nil {
		return AnswerCheck{}
	}
	s, err := SpecOf(st, o.Collection)
	if err != nil {
		return AnswerCheck{Note: "Not checked: " + err.Error()}
	}
	if s == nil {
		return AnswerCheck{Note: fmt.Sprintf("No contract for this request: the collection %q keeps no spec (import it again to check answers).", o.Collection)}
	}
	body, derr := resp.Decoded()
	ct := resp.Header.Get("Content-Type")
	v, ok := s.CheckOperationResponse(o.Operation, resp.Status, ct, body)
	if !ok {
		return AnswerCheck{Note: fmt.Sprintf("No contract for this answer: %s says nothing of %s's answers.", s.Name(), o.describe())}
	}
	switch {
	case resp.Truncated && len(v.Violations) > 0:
		v = contract.Verdict{Spec: v.Spec, SpecSHA256: v.SpecSHA256, Matched: v.Matched,
			Unchecked: fmt.Sprintf("only the first %d bytes of the answer were kept", len(resp.Body))}
	case derr != nil && len(v.Violations) > 0:
		v = contract.Verdict{Spec: v.Spec, SpecSHA256: v.SpecSHA256, Matched: v.Matched, Unchecked: derr.Error()}
	}
	return AnswerCheck{Verdict: &v}
}

func (o *Origin) describe() string {
	if o.Webhook != "" {
		return "the webhook " + o.Webhook
	}
	return strings.ToUpper(o.Method) + " " + o.Path
}
