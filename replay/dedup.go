package replay

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"

	"dev.hookscope/storage"
)

// eventHeaders carry a provider's event or delivery ID, which stays the
// same when the provider retries a delivery. Most specific first. Headers
// that change on each retry (PayPal's transmission ID) are left out on
// purpose: the body hash catches those retries instead.
var eventHeaders = []string{
	"Webhook-Id",                 // Standard Webhooks
	"Svix-Id",                    // Svix
	"X-Github-Delivery",          // GitHub
	"X-Gitea-Delivery",           // Gitea, Forgejo
	"X-Shopify-Webhook-Id",       // Shopify
	"X-Shopify-Event-Id",         // Shopify (newer)
	"X-Twilio-Idempotency-Token", // Twilio
	"Twitch-Eventsub-Message-Id", // Twitch EventSub
	"Linear-Delivery",            // Linear
	"Idempotency-Key",            // GitLab, and senders following the IETF draft
	"X-Event-Id",                 // common generic name
}

// EventKey identifies the event a capture delivers, so a retried delivery
// can be recognised. source says where the key came from (a header name,
// "stripe event id" or "body sha256"). The key is "" when nothing
// identifies the event: no ID header and an empty body.
func EventKey(rec *storage.Record) (key, source string) {
	for _, name := range eventHeaders {
		if v := strings.TrimSpace(rec.Header.Get(name)); v != "" {
			return strings.ToLower(name) + ":" + v, name
		}
	}
	if id := stripeEventID(rec.Body); id != "" {
		return "stripe:" + id, "stripe event id"
	}
	if len(rec.Body) == 0 {
		return "", ""
	}
	// Hashes are scoped to the path: the same small body ("{}", a ping)
	// sent to two endpoints is two events, not a repeat.
	sum := sha256.Sum256(rec.Body)
	return "sha256:" + rec.Path + ":" + hex.EncodeToString(sum[:]), "body sha256"
}

// stripeEventID is the top-level "id" of a Stripe event body (evt_...).
// The cheap prefix check keeps large non-Stripe bodies from being parsed.
func stripeEventID(body []byte) string {
	if !bytes.Contains(body, []byte(`"evt_`)) {
		return ""
	}
	id, ok := topLevelID(body)
	if !ok || !strings.HasPrefix(id, "evt_") {
		return ""
	}
	return id
}

// DefaultDuplicateCapacity bounds a DuplicateIndex made with capacity 0.
const DefaultDuplicateCapacity = 100_000

// DuplicateIndex remembers the first request seen per event key, keeping
// the most recently seen keys up to a fixed number (least recently seen
// forgotten first), so memory stays bounded however long capture runs.
// It is safe for concurrent use.
type DuplicateIndex struct {
	mu       sync.Mutex
	capacity int
	order    *list.List // front = most recently seen; values are *dupEntry
	byKey    map[string]*list.Element
}

type dupEntry struct {
	key     string
	firstID uint64
}

// NewDuplicateIndex makes an index of up to capacity keys (0 means
// DefaultDuplicateCapacity).
func NewDuplicateIndex(capacity int) *DuplicateIndex {
	if capacity <= 0 {
		capacity = DefaultDuplicateCapacity
	}
	return &DuplicateIndex{capacity: capacity, order: list.New(), byKey: map[string]*list.Element{}}
}

// Seen records that request id carries key. The first time, it returns
// (id, false); after that, (the first request's ID, true). An empty key is
// never a duplicate. Checking and recording are one step, so two
// simultaneous deliveries of one event cannot both look new.
func (d *DuplicateIndex) Seen(key string, id uint64) (firstID uint64, dup bool) {
	if key == "" {
		return id, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.byKey[key]; ok {
		d.order.MoveToFront(el)
		return el.Value.(*dupEntry).firstID, true
	}
	d.byKey[key] = d.order.PushFront(&dupEntry{key: key, firstID: id})
	if d.order.Len() > d.capacity {
		oldest := d.order.Back()
		d.order.Remove(oldest)
		delete(d.byKey, oldest.Value.(*dupEntry).key)
	}
	return id, false
}

// Len is the number of keys remembered.
func (d *DuplicateIndex) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.order.Len()
}

// Peek returns the first request seen with key, without recording
// anything: the capture path asks before the new request has an ID.
func (d *DuplicateIndex) Peek(key string) (firstID uint64, ok bool) {
	if key == "" {
		return 0, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	el, ok := d.byKey[key]
	if !ok {
		return 0, false
	}
	return el.Value.(*dupEntry).firstID, true
}
