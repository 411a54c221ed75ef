package app

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"dev.hookscope/storage"
)

// benchCore opens a core over 100,000 stored requests, one in a hundred an
// invoice.paid event, written without fsync to keep setup short.
func benchCore(b *testing.B) *Core {
	b.Helper()
	path := filepath.Join(b.TempDir(), "filter.db")
	st, err := storage.Open(path, storage.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for i := range 100_000 {
		typ := "invoice.created"
		if i%100 == 7 {
			typ = "invoice.paid"
		}
		body := []byte(fmt.Sprintf(`{"id":"evt_%d","type":%q,"data":{"object":{"amount":%d}}}`, i, typ, i))
		rec := &storage.Record{Summary: storage.Summary{Method: "POST", Path: fmt.Sprintf("/hooks/%d", i%10),
			ReceivedAt: time.Now(), BodySize: int64(len(body))}, Body: body}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.Append(context.Background(), rec)
			<-sem
		}()
	}
	wg.Wait()
	st.Close()
	c, err := Open(Config{DBPath: path, Listen: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkFilterSummaries100k: a filter the summaries answer (method and
// path), as the filter bar runs it on every keystroke.
func BenchmarkFilterSummaries100k(b *testing.B) {
	c := benchCore(b)
	f, _ := ParseFilterQuery("POST /hooks/3")
	b.ResetTimer()
	for b.Loop() {
		ids, err := c.FilterIDs(context.Background(), f, nil)
		if err != nil || len(ids) != 10_000 {
			b.Fatalf("%d, %v", len(ids), err)
		}
	}
}

// BenchmarkFilterBodies100k: a JSON condition, which reads every body.
func BenchmarkFilterBodies100k(b *testing.B) {
	c := benchCore(b)
	f, _ := ParseFilterQuery(`json:'type == "invoice.paid"'`)
	b.ResetTimer()
	for b.Loop() {
		ids, err := c.FilterIDs(context.Background(), f, nil)
		if err != nil || len(ids) != 1000 {
			b.Fatalf("%d, %v", len(ids), err)
		}
	}
}

// BenchmarkRawBodyWalk100k is the baseline: reading the same 100,000
// records with nothing matched.
func BenchmarkRawBodyWalk100k(b *testing.B) {
	c := benchCore(b)
	b.ResetTimer()
	for b.Loop() {
		ids, _ := c.IDs()
		for _, id := range ids {
			c.Get(id)
		}
	}
}
