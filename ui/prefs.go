package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// windowPrefs is what the window remembers between runs. It lives in its
// own small file, written whole to a temporary name and renamed, because
// Fyne 2.7.1's preferences truncate their file in place and reload it on
// every change: a read during a write logged "Preferences load error:
// EOF", and a size saved as the window closed was never written (its save
// runs on the event loop, which had stopped).
type windowPrefs struct {
	Width         float32 `json:"width"`
	Height        float32 `json:"height"`
	Split         float64 `json:"split"`
	Notifications bool    `json:"notifications"`
}

func defaultWindowPrefs() windowPrefs {
	return windowPrefs{Width: 1200, Height: 760, Split: 0.42, Notifications: true}
}

// defaultPrefsPath is window.json in the user's configuration folder.
func defaultPrefsPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "hookscope", "window.json")
}

// loadWindowPrefs reads path; a missing file gives the defaults, and so
// does a damaged one (with the reason, for stderr), so the window opens.
func loadWindowPrefs(path string) (windowPrefs, error) {
	p := defaultWindowPrefs()
	if path == "" {
		return p, nil
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("read window settings %s: %w", path, err)
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return defaultWindowPrefs(), fmt.Errorf("window settings %s are damaged (%v); using the defaults", path, err)
	}
	if p.Width < 200 || p.Height < 200 || p.Split <= 0 || p.Split >= 1 {
		d := defaultWindowPrefs()
		p.Width, p.Height, p.Split = d.Width, d.Height, d.Split
	}
	return p, nil
}

// save writes p to path atomically (0600, in a 0700 folder).
func (p windowPrefs) save(path string) error {
	if path == "" {
		return nil
	}
	raw, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save window settings: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".window-*.json")
	if err != nil {
		return fmt.Errorf("save window settings: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save window settings: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save window settings: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save window settings: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save window settings: %w", err)
	}
	return nil
}
