package app

import "runtime/debug"

// Version is the module version, for HAR's creator and the like ("(devel)"
// in a plain go build).
func Version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
