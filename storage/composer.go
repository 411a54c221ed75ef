package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the API composer: every request it sent, the requests saved
// in collections, and the environments (one value).
var ()

// HistoryLimit is how many sent requests the history keeps; appending
// beyond it drops the oldest.
const HistoryLimit = 5000

// HistoryEntry is one request sent from the composer. Request is the
// composer's own JSON of the request as edited (storage does not read
// it); Method and URL are the request as sent, for the list and search.
// Status is 0 and Error set when no answer came back.
type HistoryEntry struct {
	ID         uint64          `json:"id"`
	At         time.Time       `json:"at"`
	Method     string          `json:"method"`
	URL        string          `json:"url"`
	Request    json.RawMessage `json:"request,omitempty"`
	Status     int             `json:"status,omitempty"`
	DurationMs float64         `json:"duration_ms"`
	Error      string          `json:"error,omitempty"`
}

// CollectionItem is a request saved under a folder and name (both as the
// user typed them; the folder may be empty).
type CollectionItem struct {
	ID      uint64          `json:"id"`
	Folder  string          `json:"folder"`
	Name    string          `json:"name"`
	Request json.RawMessage `json:"request"`
	SavedAt time.Time       `json:"saved_at"`
}

// AppendHistory records e with a new ID, which it returns, and drops the
// oldest entries beyond HistoryLimit.
func (s *Store) AppendHistory(e HistoryEntry) (uint64, error) {
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketComposerHistory)
		id, err := b.NextSequence()
		if err != nil {
			return err
		}
		e.ID = id
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := b.Put(idKey(id), raw); err != nil {
			return err
		}
		// IDs come from the sequence, so every entry at or below
		// id-HistoryLimit is past the limit: the walk starts at the oldest
		// and stops at the first one kept, touching only what goes (one
		// entry per insert once full) instead of the whole history.
		if id <= HistoryLimit {
			return nil
		}
		var old [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil && keyID(k) <= id-HistoryLimit; k, _ = c.Next() {
			old = append(old, bytes.Clone(k)) // collected first: Delete then Next skips
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("save the composer history: %w", err)
	}
	return e.ID, nil
}

// History returns up to limit entries (all when limit <= 0), newest first,
// whose method and URL contain query (case-insensitive; empty matches all).
func (s *Store) History(limit int, query string) ([]HistoryEntry, error) {
	query = strings.ToLower(strings.TrimSpace(query))
	var out []HistoryEntry
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketComposerHistory).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var e HistoryEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("entry %x: %w", k, err)
			}
			if query != "" && !strings.Contains(strings.ToLower(e.Method+" "+e.URL), query) {
				continue
			}
			out = append(out, e)
			if limit > 0 && len(out) >= limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the composer history: %w", err)
	}
	return out, nil
}

// DeleteHistory forgets one history entry; an unknown ID is no error.
func (s *Store) DeleteHistory(id uint64) error {
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketComposerHistory).Delete(idKey(id))
	})
}

// ClearHistory forgets every history entry. IDs keep counting.
func (s *Store) ClearHistory() error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketComposerHistory)
		seq := b.Sequence()
		if err := tx.DeleteBucket(bucketComposerHistory); err != nil {
			return err
		}
		nb, err := tx.CreateBucket(bucketComposerHistory)
		if err != nil {
			return err
		}
		return nb.SetSequence(seq)
	})
}

// SaveCollectionItem saves request as folder/name, replacing the item of
// that folder and name if there is one, and returns the item as stored.
func (s *Store) SaveCollectionItem(folder, name string, request []byte) (CollectionItem, error) {
	folder, name = strings.TrimSpace(folder), strings.TrimSpace(name)
	if name == "" {
		return CollectionItem{}, errors.New("save to a collection: the name is empty")
	}
	if !json.Valid(request) {
		return CollectionItem{}, errors.New("save to a collection: the request is not JSON")
	}
	it := CollectionItem{Folder: folder, Name: name, Request: bytes.Clone(request), SavedAt: time.Now().UTC()}
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketComposerCollections)
		existing, err := findItem(b, folder, name)
		if err != nil {
			return err
		}
		if existing != 0 {
			it.ID = existing
		} else if it.ID, err = b.NextSequence(); err != nil {
			return err
		}
		return putItem(b, it)
	})
	if err != nil {
		return CollectionItem{}, fmt.Errorf("save %q to a collection: %w", name, err)
	}
	return it, nil
}

// Collections returns every saved item, by folder then name.
func (s *Store) Collections() ([]CollectionItem, error) {
	var out []CollectionItem
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketComposerCollections).ForEach(func(k, v []byte) error {
			var it CollectionItem
			if err := json.Unmarshal(v, &it); err != nil {
				return fmt.Errorf("item %x: %w", k, err)
			}
			out = append(out, it)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read the collections: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Folder != out[j].Folder {
			return out[i].Folder < out[j].Folder
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// RenameCollectionItem moves item id to folder/name. Another item already
// there is an error.
func (s *Store) RenameCollectionItem(id uint64, folder, name string) error {
	folder, name = strings.TrimSpace(folder), strings.TrimSpace(name)
	if name == "" {
		return errors.New("rename: the name is empty")
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketComposerCollections)
		it, err := getItem(b, id)
		if err != nil {
			return err
		}
		other, err := findItem(b, folder, name)
		if err != nil {
			return err
		}
		if other != 0 && other != id {
			return fmt.Errorf("rename: %q already exists in %q", name, folder)
		}
		it.Folder, it.Name = folder, name
		return putItem(b, it)
	})
}

// DuplicateCollectionItem copies item id beside it as "NAME copy" (or
// "NAME copy 2", ...) and returns the copy.
func (s *Store) DuplicateCollectionItem(id uint64) (CollectionItem, error) {
	var cp CollectionItem
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketComposerCollections)
		it, err := getItem(b, id)
		if err != nil {
			return err
		}
		cp = it
		for n := 1; ; n++ {
			cp.Name = it.Name + " copy"
			if n > 1 {
				cp.Name += fmt.Sprintf(" %d", n)
			}
			other, err := findItem(b, it.Folder, cp.Name)
			if err != nil {
				return err
			}
			if other == 0 {
				break
			}
		}
		if cp.ID, err = b.NextSequence(); err != nil {
			return err
		}
		cp.SavedAt = time.Now().UTC()
		return putItem(b, cp)
	})
	if err != nil {
		return CollectionItem{}, fmt.Errorf("duplicate item %d: %w", id, err)
	}
	return cp, nil
}

// DeleteCollectionItem removes item id; an unknown ID is no error.
func (s *Store) DeleteCollectionItem(id uint64) error {
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketComposerCollections).Delete(idKey(id))
	})
}

func getItem(b *bolt.Bucket, id uint64) (CollectionItem, error) {
	var it CollectionItem
	raw := b.Get(idKey(id))
	if raw == nil {
		return it, fmt.Errorf("collection item %d: %w", id, ErrNotFound)
	}
	return it, json.Unmarshal(raw, &it)
}

func putItem(b *bolt.Bucket, it CollectionItem) error {
	raw, err := json.Marshal(it)
	if err != nil {
		return err
	}
	return b.Put(idKey(it.ID), raw)
}

// findItem returns the ID of the item at folder/name, 0 when none.
func findItem(b *bolt.Bucket, folder, name string) (uint64, error) {
	var found uint64
	err := b.ForEach(func(k, v []byte) error {
		var it CollectionItem
		if err := json.Unmarshal(v, &it); err != nil {
			return err
		}
		if it.Folder == folder && it.Name == name {
			found = it.ID
		}
		return nil
	})
	return found, err
}

// SaveEnvironments replaces the composer's environments (its own JSON).
func (s *Store) SaveEnvironments(data []byte) error {
	if !json.Valid(data) {
		return errors.New("save the environments: not JSON")
	}
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketComposerEnvs).Put(keyEnvironments, bytes.Clone(data))
	})
}

// Environments returns what SaveEnvironments saved, nil when nothing was.
func (s *Store) Environments() ([]byte, error) {
	var out []byte
	err := s.view(func(tx *bolt.Tx) error {
		out = bytes.Clone(tx.Bucket(bucketComposerEnvs).Get(keyEnvironments))
		return nil
	})
	return out, err
}
