package app

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"dev.hookscope/storage"
	"dev.hookscope/textutil"
)

const (
	settingRetention = storage.SettingRetention
	// retentionEvery is how often old requests are pruned; each batch is
	// its own short transaction, so capture is never blocked for long.
	retentionEvery = time.Minute
)

// retentionLoop prunes in the background while the core is open.
type retentionLoop struct {
	wake chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup
}

func (c *Core) startRetention() {
	c.retention = &retentionLoop{wake: make(chan struct{}, 1), stop: make(chan struct{})}
	c.retention.wg.Go(c.retentionWorker)
}

func (c *Core) retentionWorker() {
	ticker := time.NewTicker(retentionEvery)
	defer ticker.Stop()
	for {
		c.pruneNow()
		select {
		case <-c.retention.stop:
			return
		case <-ticker.C:
		case <-c.retention.wake:
		}
	}
}

func (c *Core) pruneNow() {
	r, err := c.Retention()
	if err != nil {
		if c.cfg.Notices != nil {
			fmt.Fprintln(c.cfg.Notices, "retention: "+err.Error())
		}
		return
	}
	n, err := c.store.Prune(r, time.Now())
	if n > 0 {
		c.hub.Publish(Reset)
	}
	if err != nil && c.cfg.Notices != nil {
		fmt.Fprintln(c.cfg.Notices, "retention: "+err.Error())
	}
}

func (c *Core) stopRetention() {
	close(c.retention.stop)
	c.retention.wg.Wait()
}

// Retention is the saved policy (zero: keep everything).
func (c *Core) Retention() (storage.Retention, error) {
	return LoadRetention(c.store)
}

// SetRetention saves a policy and applies it at once, in the background.
func (c *Core) SetRetention(r storage.Retention) error {
	if err := SaveRetention(c.store, r); err != nil {
		return err
	}
	c.hub.Publish(SettingsChanged)
	// A passive core (a one-shot command) only saves; the instance that
	// captures prunes at its next pass.
	if c.retention != nil {
		select {
		case c.retention.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// LoadRetention reads the policy from a store.
func LoadRetention(st *storage.Store) (storage.Retention, error) {
	var r storage.Retention
	raw, err := st.Setting(settingRetention)
	if err != nil || raw == nil {
		return r, err
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("read the retention policy: %w", err)
	}
	return r, nil
}

// SaveRetention writes the policy to a store.
func SaveRetention(st *storage.Store, r storage.Retention) error {
	if r.MaxCount < 0 || r.MaxAge < 0 || r.MaxBytes < 0 {
		return fmt.Errorf("retention limits cannot be negative")
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := st.PutSetting(settingRetention, raw); err != nil {
		return fmt.Errorf("save the retention policy: %w", err)
	}
	return nil
}

// DescribeRetention says the policy in words.
func DescribeRetention(r storage.Retention) string {
	if !r.Active() {
		return "keep everything"
	}
	s := "keep"
	sep := " "
	if r.MaxCount > 0 {
		s += fmt.Sprintf("%sthe last %d requests", sep, r.MaxCount)
		sep = ", "
	}
	if r.MaxAge > 0 {
		s += fmt.Sprintf("%sthe last %s", sep, humanAge(r.MaxAge))
		sep = ", "
	}
	if r.MaxBytes > 0 {
		s += fmt.Sprintf("%sabout %s", sep, textutil.HumanSize(r.MaxBytes))
	}
	return s + " (whichever is least)"
}

func humanAge(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
