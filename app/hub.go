// Package app is the core both the window and the command line use: the
// store and listener lifecycle, and the hub that announces changes.
package app

import "sync"

// Change is a set of things that changed since a subscriber last looked.
type Change uint32

const (
	// Added: new requests were stored; read those after the last ID seen.
	Added Change = 1 << iota
	// Reset: requests were deleted or cleared; reload from scratch.
	Reset
	// ListenerChanged: the listener started, stopped or moved.
	ListenerChanged
	// ReplaysChanged: a replay or forward result was stored.
	ReplaysChanged
	// SettingsChanged: forward rules, response rules, saved secrets or the
	// retention policy changed, from any surface (the window, or a command
	// through the socket).
	SettingsChanged
	// VerdictsChanged: a contract verdict was kept with a request; rows
	// and the inspector showing one read it again.
	VerdictsChanged
)

// Hub announces changes without ever blocking the capture path: each
// subscriber has a one-slot wake-up channel and a set of pending flags, so a
// thousand captures while a subscriber is busy become one wake-up.
type Hub struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// Subscription receives wake-ups on C; Take says what changed.
type Subscription struct {
	C       <-chan struct{}
	wake    chan struct{}
	mu      sync.Mutex
	pending Change
	hub     *Hub
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[*Subscription]struct{}{}} }

// Subscribe registers a new subscriber; Close it when done.
func (h *Hub) Subscribe() *Subscription {
	wake := make(chan struct{}, 1)
	s := &Subscription{C: wake, wake: wake, hub: h}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Publish records c for every subscriber and wakes those not yet awake.
func (h *Hub) Publish(c Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.mu.Lock()
		s.pending |= c
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default: // already woken; the flags carry the news
		}
	}
}

// Take returns and clears what changed since the last Take.
func (s *Subscription) Take() Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.pending
	s.pending = 0
	return c
}

// Close stops deliveries to s.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	delete(s.hub.subs, s)
	s.hub.mu.Unlock()
}
