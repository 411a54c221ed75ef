// Package uithread runs code from other goroutines on Fyne's UI goroutine.
//
// With the real driver fyne.Do already serialises everything on one
// goroutine. Fyne's test driver runs the function on the caller's goroutine
// instead, so headless tests with live updates would race; the lock makes
// the same code correct under both. Functions passed here must not call Do
// or DoAndWait themselves.
package uithread

import (
	"sync"

	"fyne.io/fyne/v2"
)

var mu sync.Mutex

// Do schedules fn on the UI goroutine and returns at once.
func Do(fn func()) { fyne.Do(locked(fn)) }

// DoAndWait runs fn on the UI goroutine and waits for it.
func DoAndWait(fn func()) { fyne.DoAndWait(locked(fn)) }

func locked(fn func()) func() {
	return func() {
		mu.Lock()
		defer mu.Unlock()
		fn()
	}
}
