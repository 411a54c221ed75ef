package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"dev.hookscope/exchange"
	"dev.hookscope/storage"
)

// ParseFilterQuery reads the filter bar's text. Terms are separated by
// spaces and quoted as in a shell, '...', "...", $'...' or with a
// backslash, to keep spaces (body:"payment failed"); | & ; < > ( ) need
// no quotes. All terms must match.
//
//	POST                  a method (a bare upper-case word)
//	/hooks/stripe         a path substring; with * ? [ ] a glob
//	method:PUT path:/a/*  the same, explicitly
//	status:200            the status Hookscope answered with
//	sig:valid|invalid|stale|none
//	dup                   duplicates only
//	header:X-Event        a header present; header:X-Event=push its value
//	body:evt_123          a body substring (reads bodies)
//	json:'type == "invoice.paid"'  a JSON condition on the body
//	anything-else         a path substring
func ParseFilterQuery(text string) (Filter, error) {
	var f Filter
	words, err := exchange.ShellWords(text)
	if err != nil {
		return f, fmt.Errorf("filter: %v", err)
	}
	for _, w := range words {
		if err := f.addTerm(w); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (f *Filter) addTerm(w string) error {
	key, value, hasKey := strings.Cut(w, ":")
	if !hasKey || strings.HasPrefix(w, "/") {
		return f.addBare(w)
	}
	switch strings.ToLower(key) {
	case "method":
		f.Method = value
	case "path":
		f.setPath(value)
	case "status":
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("filter: status:%s is not a number", value)
		}
		f.Status = n
	case "sig":
		f.Sig = value
	case "header":
		name, v, _ := strings.Cut(value, "=")
		hc, err := ParseHeaderCond(name + ":" + v)
		if err != nil {
			return err
		}
		f.Headers = append(f.Headers, hc)
	case "body":
		f.BodyContains = value
	case "json":
		jc, err := ParseJSONCond(value)
		if err != nil {
			return err
		}
		f.JSON = jc
	default:
		return f.addBare(w)
	}
	return nil
}

func (f *Filter) addBare(w string) error {
	switch {
	case w == "dup":
		f.DuplicatesOnly = true
	case isMethodWord(w):
		f.Method = w
	default:
		f.setPath(w)
	}
	return nil
}

func (f *Filter) setPath(p string) {
	if strings.ContainsAny(p, "*?[]") {
		f.PathGlob = p
		return
	}
	f.PathContains = p
}

func isMethodWord(w string) bool {
	if len(w) < 3 || len(w) > 10 {
		return false
	}
	for _, r := range w {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// Empty reports whether the filter matches everything.
func (f Filter) Empty() bool {
	return f.Method == "" && f.PathGlob == "" && f.PathContains == "" && f.Status == 0 && f.Sig == "" &&
		!f.DuplicatesOnly && len(f.Headers) == 0 && f.BodyContains == "" && f.JSON == nil && f.SinceID == 0
}

// FilterIDs returns the IDs of the requests matching f, oldest first,
// reporting progress (done, total) as it goes. Summaries are read a page
// per transaction; a filter that needs bodies reads those too, so it can be
// cancelled through ctx.
func (c *Core) FilterIDs(ctx context.Context, f Filter, progress func(done, total int)) ([]uint64, error) {
	total, err := c.store.Count()
	if err != nil {
		return nil, err
	}
	var out []uint64
	done := 0
	for after := uint64(0); ; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		page, err := c.store.Summaries(after, filterPage)
		if err != nil {
			return nil, err
		}
		for _, s := range page {
			if f.MatchSummary(s) && (!f.NeedsRecord() || c.recordMatches(f, s.ID)) {
				out = append(out, s.ID)
			}
		}
		done += len(page)
		if progress != nil {
			progress(min(done, total), total)
		}
		if len(page) < filterPage {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// filterPage is how many summaries one read transaction decodes.
const filterPage = 2048

func (c *Core) recordMatches(f Filter, id uint64) bool {
	rec, err := c.store.Get(id)
	return err == nil && f.Match(rec)
}

// Matches reports whether request id matches f.
func (c *Core) Matches(f Filter, id uint64) bool { return c.matchID(f, id) }

func (c *Core) matchID(f Filter, id uint64) bool {
	sum, err := c.store.Summary(id)
	if err != nil || !f.MatchSummary(sum) {
		return false
	}
	if !f.NeedsRecord() {
		return true
	}
	rec, err := c.store.Get(id)
	return err == nil && f.Match(rec)
}

func sigMatches(want string, got storage.SigState) bool {
	if want == "none" {
		return got == storage.SigNone
	}
	return got.String() == want
}
