package app

import (
	"context"
	"fmt"

	"dev.hookscope/storage"
)

// NewestID is the highest stored ID, 0 for an empty store.
func (c *Core) NewestID() (uint64, error) {
	return c.store.NewestID()
}

// Wait returns the first count requests matching f (IDs above f.SinceID),
// waiting for new captures until ctx ends. Requests already stored when it
// starts count too, so a caller that noted the newest ID before triggering
// a webhook cannot miss it.
func (c *Core) Wait(ctx context.Context, f Filter, count int) ([]*storage.Record, error) {
	if count <= 0 {
		count = 1
	}
	sub := c.Subscribe()
	defer sub.Close()
	var found []*storage.Record
	after := f.SinceID
	for {
		var err error
		found, after, err = c.scan(f, after, count, found)
		if err != nil || len(found) >= count {
			return found, err
		}
		select {
		case <-ctx.Done():
			return found, fmt.Errorf("waited for %d request(s) with %s: %w", count, f.Describe(), ctx.Err())
		case <-sub.C:
			sub.Take()
		}
	}
}

// scan checks requests after `after`, appending matches to found.
func (c *Core) scan(f Filter, after uint64, count int, found []*storage.Record) ([]*storage.Record, uint64, error) {
	for {
		page, err := c.store.Summaries(after, 500)
		if err != nil {
			return found, after, err
		}
		for _, s := range page {
			after = s.ID
			if !f.MatchSummary(s) {
				continue
			}
			rec, err := c.store.Get(s.ID)
			if err != nil {
				continue // deleted meanwhile
			}
			if f.Match(rec) {
				found = append(found, rec)
				if len(found) >= count {
					return found, after, nil
				}
			}
		}
		if len(page) < 500 {
			return found, after, nil
		}
	}
}

// Store is the store this core holds; tests use it to seed data directly.
func (c *Core) Store() *storage.Store { return c.store }
