// Package locale settles the process's language environment before Fyne
// reads it.
//
// Fyne parses the locale while its lang package initialises, and on a C or
// POSIX locale (the default in containers and CI) it logs three lines of
// "Error parsing user locale C" to stderr for every command, which breaks
// scripts that expect stderr to carry only errors. main imports this
// package first; its import path sorts before fyne.io, so Go initialises it
// before Fyne's packages.
package locale

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(name); v != "" {
			if isPlain(v) {
				// LANGUAGE only picks the language of messages; number and
				// date formats still follow LANG.
				os.Setenv("LANGUAGE", "en_US")
			}
			return
		}
	}
	os.Setenv("LANGUAGE", "en_US")
}

// isPlain reports the locales with no language in them.
func isPlain(v string) bool {
	base, _, _ := strings.Cut(v, ".")
	return base == "C" || base == "POSIX"
}
