package cli

import (
	"context"
	"errors"
	"fmt"

	"dev.hookscope/app"
	"dev.hookscope/app/localapi"
	"dev.hookscope/storage"
)

// Backend is what one-shot commands need of a store. Commands use it
// rather than *storage.Store so the same code can run against the file or
// against the running instance that holds it.
type Backend interface {
	Summaries(afterID uint64, limit int) ([]storage.Summary, error)
	Get(id uint64) (*storage.Record, error)
	Append(ctx context.Context, rec *storage.Record) (uint64, error)
	Delete(ids ...uint64) error
	SecretFor(path string) (app.SecretRule, bool)
	Close() error
}

// fileBackend is the database file opened by this process.
type fileBackend struct{ *storage.Store }

func (f fileBackend) SecretFor(path string) (app.SecretRule, bool) {
	return app.SavedSecretFor(f.Store, path)
}

// openBackend opens the database for a one-shot command: through the
// running instance's socket when there is one, else the file itself.
func openBackend(path string) (Backend, error) {
	if client, err := localapi.Dial(path); err == nil {
		return client, nil
	}
	st, err := storage.Open(path, storage.Options{})
	if errors.Is(err, storage.ErrInUse) {
		return nil, fmt.Errorf("%w, and its local API at %s did not answer", err, localapi.SocketPath(path))
	}
	if err != nil {
		return nil, err
	}
	return fileBackend{st}, nil
}
