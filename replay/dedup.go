package replay

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash/maphash"
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
//
// It holds no pointers: a key is kept as its 128-bit hash (two maphash
// sums under random seeds; two different keys share one with odds of
// about 10^-29 at full capacity) and the recency order is a list of slot
// numbers inside one array. At its 100,000 keys it takes 6.9 MB that
// the garbage collector never scans, where strings, list elements and a
// map of pointers took 13.9 MB that every collection walked (serve
// keeps one for as long as it runs).
type DuplicateIndex struct {
	mu       sync.Mutex
	capacity int
	seeds    [2]maphash.Seed
	byKey    map[keyHash]int32
	slots    []dupSlot
	// front is the most recently seen slot, back the least; -1 when empty.
	front, back int32
}

type keyHash [2]uint64

type dupSlot struct {
	key          keyHash
	firstID      uint64
	newer, older int32 // neighbours in recency order; -1 at the ends
}

// NewDuplicateIndex makes an index of up to capacity keys (0 means
// DefaultDuplicateCapacity).
func NewDuplicateIndex(capacity int) *DuplicateIndex {
	if capacity <= 0 {
		capacity = DefaultDuplicateCapacity
	}
	return &DuplicateIndex{capacity: capacity, seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		byKey: map[keyHash]int32{}, front: -1, back: -1}
}

func (d *DuplicateIndex) hash(key string) keyHash {
	return keyHash{maphash.String(d.seeds[0], key), maphash.String(d.seeds[1], key)}
}

// Seen records that request id carries key. The first time, it returns
// (id, false); after that, (the first request's ID, true). An empty key is
// never a duplicate. Checking and recording are one step, so two
// simultaneous deliveries of one event cannot both look new.
func (d *DuplicateIndex) Seen(key string, id uint64) (firstID uint64, dup bool) {
	if key == "" {
		return id, false
	}
	h := d.hash(key)
	d.mu.Lock()
	defer d.mu.Unlock()
	if i, ok := d.byKey[h]; ok {
		d.unlink(i)
		d.pushFront(i)
		return d.slots[i].firstID, true
	}
	var i int32
	if len(d.slots) < d.capacity {
		d.slots = append(d.slots, dupSlot{})
		i = int32(len(d.slots) - 1)
	} else {
		i = d.back // the least recently seen key is forgotten
		d.unlink(i)
		delete(d.byKey, d.slots[i].key)
	}
	d.slots[i] = dupSlot{key: h, firstID: id}
	d.pushFront(i)
	d.byKey[h] = i
	return id, false
}

func (d *DuplicateIndex) unlink(i int32) {
	s := &d.slots[i]
	if s.newer >= 0 {
		d.slots[s.newer].older = s.older
	} else {
		d.front = s.older
	}
	if s.older >= 0 {
		d.slots[s.older].newer = s.newer
	} else {
		d.back = s.newer
	}
}

func (d *DuplicateIndex) pushFront(i int32) {
	s := &d.slots[i]
	s.newer, s.older = -1, d.front
	if d.front >= 0 {
		d.slots[d.front].newer = i
	}
	d.front = i
	if d.back < 0 {
		d.back = i
	}
}

// Len is the number of keys remembered.
func (d *DuplicateIndex) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.byKey)
}

// Peek returns the first request seen with key, without recording
// anything: the capture path asks before the new request has an ID.
func (d *DuplicateIndex) Peek(key string) (firstID uint64, ok bool) {
	if key == "" {
		return 0, false
	}
	h := d.hash(key)
	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.byKey[h]
	if !ok {
		return 0, false
	}
	return d.slots[i].firstID, true
}
