package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"dev.hookscope/contract"
	"dev.hookscope/storage"
)

// A contract is an OpenAPI spec attached to a path prefix: every capture
// under the prefix is checked against it after it is stored, off the
// capture path, and the verdict is kept with the request (docs/cli.md,
// "Contracts"). The spec's bytes are kept in the store, keyed by their
// SHA-256, so a verdict can be reproduced with the spec it came from.

// contractQueue bounds captures waiting for a check; past it a capture is
// left unchecked (hookscope validate checks it later) rather than making
// the listener wait.
const contractQueue = 1024

// ContractAttachment is one spec attached to a prefix.
type ContractAttachment struct {
	Prefix string `json:"prefix"`
	// Spec is the spec's title and version; SHA256 its bytes' hash.
	Spec     string `json:"spec"`
	SHA256   string `json:"spec_sha256"`
	Webhooks int    `json:"webhooks"`
}

// ErrNoContract is returned when a request's path has no spec attached
// and none was given.
var ErrNoContract = errors.New("no OpenAPI spec is attached to that path")

type contractBook struct {
	core *Core
	mu   sync.Mutex
	// loaded caches parsed specs by SHA-256.
	loaded  map[string]*contract.Spec
	queue   chan uint64
	wg      sync.WaitGroup
	running bool
	// attached caches the attachments for the capture path, which asks
	// for every request (a settings read and JSON decode were 4 % of the
	// server's CPU under load). This process is the store's only writer
	// while it holds it, so the cache is dropped where they are saved.
	attached struct {
		mu    sync.Mutex
		list  []ContractAttachment
		valid bool
		gen   uint64
	}
}

// cachedContracts is Contracts for read-only use on the capture path.
func (c *Core) cachedContracts() ([]ContractAttachment, error) {
	m := &c.contracts.attached
	m.mu.Lock()
	if m.valid {
		list := m.list
		m.mu.Unlock()
		return list, nil
	}
	gen := m.gen
	m.mu.Unlock()
	list, err := c.Contracts()
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.gen == gen { // not saved again meanwhile: what was read is current
		m.list, m.valid = list, true
	}
	m.mu.Unlock()
	return list, nil
}

// forgetContracts drops the cache after the attachments were saved.
func (c *Core) forgetContracts() {
	m := &c.contracts.attached
	m.mu.Lock()
	m.gen++
	m.valid, m.list = false, nil
	m.mu.Unlock()
}

func newContractBook(c *Core) *contractBook {
	return &contractBook{core: c, loaded: map[string]*contract.Spec{}, queue: make(chan uint64, contractQueue)}
}

func (b *contractBook) start() {
	b.mu.Lock()
	b.running = true
	b.mu.Unlock()
	b.wg.Go(func() {
		for id := range b.queue {
			b.core.checkStored(id)
		}
	})
}

func (b *contractBook) close() {
	b.mu.Lock()
	wasRunning := b.running
	b.running = false
	b.mu.Unlock()
	if wasRunning {
		close(b.queue)
		b.wg.Wait()
	}
}

// enqueue never blocks: the capture's sender is waiting for its answer.
func (b *contractBook) enqueue(s storage.Summary) {
	if _, ok, _ := b.core.contractFor(s.Path); !ok {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.running {
		return
	}
	select {
	case b.queue <- s.ID:
	default:
	}
}

func (c *Core) attachments() ([]ContractAttachment, error) {
	raw, err := c.store.Setting(storage.SettingContracts)
	if err != nil {
		return nil, fmt.Errorf("read the attached contracts: %w", err)
	}
	var list []ContractAttachment
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("the attached contracts are damaged: %w", err)
		}
	}
	return list, nil
}

// Contracts lists the attached specs, longest prefix first (the order in
// which they are matched).
func (c *Core) Contracts() ([]ContractAttachment, error) {
	list, err := c.attachments()
	sort.SliceStable(list, func(i, j int) bool { return len(list[i].Prefix) > len(list[j].Prefix) })
	return list, err
}

// AttachContract attaches spec to prefix, replacing what was attached
// there; captures stored from now on are checked against it.
func (c *Core) AttachContract(prefix string, spec []byte) (ContractAttachment, error) {
	if !strings.HasPrefix(prefix, "/") {
		return ContractAttachment{}, fmt.Errorf("a path prefix starts with / (got %q)", prefix)
	}
	s, err := contract.Load(spec)
	if err != nil {
		return ContractAttachment{}, err
	}
	if err := c.store.PutSetting(storage.SettingContractSpecPrefix+s.SHA256(), spec); err != nil {
		return ContractAttachment{}, fmt.Errorf("save the spec: %w", err)
	}
	a := ContractAttachment{Prefix: prefix, Spec: s.Name(), SHA256: s.SHA256(), Webhooks: len(s.Webhooks())}
	c.contracts.mu.Lock()
	defer c.contracts.mu.Unlock()
	c.contracts.loaded[s.SHA256()] = s
	list, err := c.attachments()
	if err != nil {
		return ContractAttachment{}, err
	}
	out := list[:0]
	for _, old := range list {
		if old.Prefix != prefix {
			out = append(out, old)
		}
	}
	out = append(out, a)
	raw, _ := json.Marshal(out)
	err = c.store.PutSetting(storage.SettingContracts, raw)
	c.forgetContracts() // also after a failed save: it may have been written
	if err != nil {
		return ContractAttachment{}, fmt.Errorf("save the attached contracts: %w", err)
	}
	c.hub.Publish(SettingsChanged)
	return a, nil
}

// DetachContract removes the spec attached to prefix; verdicts already
// stored stay with their requests.
func (c *Core) DetachContract(prefix string) error {
	c.contracts.mu.Lock()
	defer c.contracts.mu.Unlock()
	list, err := c.attachments()
	if err != nil {
		return err
	}
	out := list[:0]
	for _, a := range list {
		if a.Prefix != prefix {
			out = append(out, a)
		}
	}
	if len(out) == len(list) {
		return fmt.Errorf("no OpenAPI spec is attached to %s (hookscope contracts lists them)", prefix)
	}
	raw, _ := json.Marshal(out)
	err = c.store.PutSetting(storage.SettingContracts, raw)
	c.forgetContracts()
	if err != nil {
		return fmt.Errorf("save the attached contracts: %w", err)
	}
	c.hub.Publish(SettingsChanged)
	return nil
}

// contractFor is the attachment whose prefix is the longest one path
// starts with.
func (c *Core) contractFor(path string) (ContractAttachment, bool, error) {
	list, err := c.cachedContracts()
	if err != nil {
		return ContractAttachment{}, false, err
	}
	for _, a := range list {
		if strings.HasPrefix(path, a.Prefix) {
			return a, true, nil
		}
	}
	return ContractAttachment{}, false, nil
}

// spec loads (once) the stored spec with the given hash.
func (c *Core) spec(sha string) (*contract.Spec, error) {
	c.contracts.mu.Lock()
	s, ok := c.contracts.loaded[sha]
	c.contracts.mu.Unlock()
	if ok {
		return s, nil
	}
	raw, err := c.store.Setting(storage.SettingContractSpecPrefix + sha)
	if err != nil || raw == nil {
		return nil, fmt.Errorf("the attached spec %.12s is missing from the store; attach it again", sha)
	}
	s, err = contract.Load(raw)
	if err != nil {
		return nil, err
	}
	c.contracts.mu.Lock()
	c.contracts.loaded[sha] = s
	c.contracts.mu.Unlock()
	return s, nil
}

// contractRequest is what a check reads of a stored request.
func contractRequest(rec *storage.Record, prefix string) contract.Request {
	return contract.Request{Method: rec.Method, Path: rec.Path, Prefix: prefix, Header: rec.Header, ContentType: rec.ContentType, Body: rec.Body}
}

// checkStored checks a stored capture against its attached spec and keeps
// the verdict.
func (c *Core) checkStored(id uint64) {
	rec, err := c.store.Get(id)
	if err != nil {
		return
	}
	a, ok, err := c.contractFor(rec.Path)
	if err != nil || !ok {
		return
	}
	s, err := c.spec(a.SHA256)
	if err != nil {
		return
	}
	v := s.CheckRequest(contractRequest(rec, a.Prefix))
	raw, _ := json.Marshal(v)
	if c.store.PutContractVerdict(id, raw) == nil {
		c.hub.Publish(VerdictsChanged)
	}
}

// ContractVerdict is the verdict stored with request id; nil when the
// request was never checked.
func (c *Core) ContractVerdict(id uint64) (*contract.Verdict, error) {
	if _, err := c.store.Summary(id); err != nil {
		return nil, err
	}
	raw, err := c.store.ContractVerdict(id)
	if err != nil || raw == nil {
		return nil, err
	}
	var v contract.Verdict
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("the contract verdict of request %d is damaged: %w", id, err)
	}
	return &v, nil
}

// CheckContract checks request id now, against spec when given, else
// against the spec attached to its path (ErrNoContract when none is). A
// check against the attached spec replaces the stored verdict; one
// against another spec is only returned.
func (c *Core) CheckContract(id uint64, spec []byte) (contract.Verdict, error) {
	rec, err := c.store.Get(id)
	if err != nil {
		return contract.Verdict{}, err
	}
	a, attached, err := c.contractFor(rec.Path)
	if err != nil {
		return contract.Verdict{}, err
	}
	if spec != nil {
		s, err := contract.Load(spec)
		if err != nil {
			return contract.Verdict{}, err
		}
		return s.CheckRequest(contractRequest(rec, a.Prefix)), nil
	}
	if !attached {
		return contract.Verdict{}, fmt.Errorf("%w (%s; attach one with hookscope contracts add, or give --spec FILE)", ErrNoContract, rec.Path)
	}
	s, err := c.spec(a.SHA256)
	if err != nil {
		return contract.Verdict{}, err
	}
	v := s.CheckRequest(contractRequest(rec, a.Prefix))
	raw, _ := json.Marshal(v)
	if err := c.store.PutContractVerdict(id, raw); err != nil {
		return v, err
	}
	c.hub.Publish(VerdictsChanged)
	return v, nil
}
