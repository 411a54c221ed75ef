package cli

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"time"

	"dev.hookscope/app"
	"dev.hookscope/localapi"
	"dev.hookscope/storage"
	"dev.hookscope/textutil"
)

func runRetention(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("retention", flag.ContinueOnError)
	store := targetFlags(fs)
	count := fs.Int("count", 0, "keep the last N requests (0: no count limit)")
	days := fs.Float64("days", 0, "keep N days (0: no age limit)")
	mb := fs.Float64("mb", 0, "keep about N megabytes (0: no size limit)")
	off := fs.Bool("off", false, "keep everything")
	if err := parseNoArgs(fs, args); err != nil {
		return ExitError, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := checkRetentionFlags(set, *off, float64(*count), *days, *mb); err != nil {
		return ExitError, err
	}
	be, err := store.open(env)
	if err != nil {
		return ExitError, err
	}
	defer be.Close()
	r, err := be.Retention()
	if err != nil {
		return ExitError, err
	}
	if *off {
		r = storage.Retention{}
	}
	if set["count"] {
		r.MaxCount = *count
	}
	if set["days"] {
		r.MaxAge = time.Duration(*days * float64(24*time.Hour))
	}
	if set["mb"] {
		r.MaxBytes = int64(*mb * 1e6)
	}
	if *off || set["count"] || set["days"] || set["mb"] {
		if err := be.SetRetention(r); err != nil {
			return ExitError, err
		}
	}
	fmt.Fprintln(env.Stdout, "retention: "+app.DescribeRetention(r))
	return ExitOK, nil
}

// checkRetentionFlags refuses what used to pass silently as "no change":
// a negative limit, and --off beside a limit.
func checkRetentionFlags(set map[string]bool, off bool, count, days, mb float64) error {
	for _, f := range []struct {
		name  string
		value float64
	}{{"count", count}, {"days", days}, {"mb", mb}} {
		if set[f.name] && (f.value < 0 || math.IsNaN(f.value) || math.IsInf(f.value, 0)) {
			return usagef("--%s must be 0 (no limit) or more, not %v", f.name, f.value)
		}
	}
	if off && (set["count"] || set["days"] || set["mb"]) {
		return usagef("--off keeps everything, so it cannot go with --count, --days or --mb")
	}
	return nil
}

func runCompact(env Env, args []string) (int, error) {
	fs := flag.NewFlagSet("compact", flag.ContinueOnError)
	db := storeFlags(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return ExitError, err
	}
	if client, err := localapi.Dial(*db); err == nil {
		client.Close()
		return ExitError, fmt.Errorf("compaction needs %s to itself: close the Hookscope window or serve that holds it, then run compact again", *db)
	}
	before, after, err := storage.CompactFile(*db)
	if errors.Is(err, storage.ErrInUse) {
		return ExitError, err
	}
	if err != nil {
		return ExitError, err
	}
	fmt.Fprintf(env.Stdout, "compacted %s: %s → %s\n", *db, textutil.HumanSize(before), textutil.HumanSize(after))
	return ExitOK, nil
}
