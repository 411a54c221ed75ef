package app

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"dev.hookscope/replay"
)

// ParseIDList reads "3, 7-12, 40" into IDs, in the order written.
func ParseIDList(s string) ([]uint64, error) {
	var ids []uint64
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		from, to, isRange := strings.Cut(part, "-")
		a, err1 := strconv.ParseUint(strings.TrimSpace(from), 10, 64)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.ParseUint(strings.TrimSpace(to), 10, 64)
		}
		if err1 != nil || err2 != nil || a == 0 || b < a || b-a > 1_000_000 {
			return nil, fmt.Errorf("%q is not an ID or a range like 7-12", part)
		}
		for id := a; id <= b; id++ {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no request IDs given")
	}
	return ids, nil
}

// BulkReplay replays ids in order under cfg (concurrency, rate, retries
// with backoff), keeps every exchange in the history, and reports progress.
// IDs that no longer exist or cannot be prepared are reported as failed
// outcomes, not errors.
func (c *Core) BulkReplay(ctx context.Context, ids []uint64, spec ReplaySpec, cfg replay.BulkConfig, progress func(replay.Progress)) []replay.Outcome {
	items := make([]replay.Item, 0, len(ids))
	bodies := map[int][]byte{}
	schemes := map[int]string{}
	var failed []replay.Outcome
	for _, id := range ids {
		rec, err := c.store.Get(id)
		var req *http.Request
		var body []byte
		var scheme string
		if err == nil {
			req, body, scheme, err = PrepareReplay(rec, spec, c.SecretFor)
		}
		if err != nil {
			failed = append(failed, replay.Outcome{ID: id, Err: err})
			continue
		}
		bodies[len(items)], schemes[len(items)] = body, scheme
		items = append(items, replay.Item{ID: id, Request: req})
	}
	cfg.Send = spec.Send
	outcomes := replay.Bulk(ctx, items, cfg, progress)
	for i, o := range outcomes {
		c.AppendReplay(HistoryEntry(o.ID, items[i].Request, bodies[i], schemes[i], o.Response, o.Err))
	}
	return append(outcomes, failed...)
}
