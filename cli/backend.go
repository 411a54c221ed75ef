package cli

import (
	"errors"
	"fmt"

	"dev.hookscope/app"
	"dev.hookscope/localapi"
	"dev.hookscope/storage"
)

// Backend is what every command is written against: the core over the
// file this process opened, or the running instance's local API.
type Backend = app.Backend

// openBackend opens the database for a one-shot command: through the
// running instance's socket when there is one, else the file itself. A
// socket that is not this user's own is never used; when the file is held
// too, the error says so and what to do.
func openBackend(path string) (Backend, error) {
	client, dialErr := localapi.Dial(path)
	if dialErr == nil {
		return client, nil
	}
	// A passive core: no listener, no forwarding, no retention loop.
	core, err := app.Open(app.Config{DBPath: path})
	if errors.Is(err, storage.ErrInUse) {
		return nil, inUseError(err, path, dialErr)
	}
	if err != nil {
		return nil, err
	}
	return core, nil
}

// inUseError explains why a database held by another process could not be
// reached through its socket: nothing answered, or the socket was refused
// (another user's, or open to others), which the refusal's sentence says.
func inUseError(inUse error, path string, dialErr error) error {
	if errors.Is(dialErr, localapi.ErrUntrusted) {
		return refusedSocket{inUse: inUse, refused: dialErr}
	}
	return fmt.Errorf("%w, and its local API at %s did not answer", inUse, localapi.SocketPath(path))
}

// refusedSocket reads as the refusal, which says what to do, and matches
// both it and storage.ErrInUse.
type refusedSocket struct{ inUse, refused error }

func (e refusedSocket) Error() string   { return e.refused.Error() }
func (e refusedSocket) Unwrap() []error { return []error{e.inUse, e.refused} }
