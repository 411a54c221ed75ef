package exchange

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"dev.hookscope/textutil"
)

// DefaultMaxFileRead caps the bytes one curl command reads from files
// when ImportOptions.MaxBody is 0; it is capture's default body limit.
const DefaultMaxFileRead = 10 << 20

// FileRead is one file a curl command read, as told to
// ImportOptions.OnFile.
type FileRead struct {
	// Name is the file as the command names it.
	Name string
	// Path is where it was read: ImportOptions.Dir joined with the name
	// (an absolute name stays as it is).
	Path string
	// Use is what the file became: "body" or "headers".
	Use string
	// Size is the number of bytes read.
	Size int64
}

// FileRefusedError is the error of an import that has no folder to read
// files from (ImportOptions.Dir is empty) when a curl command names one.
type FileRefusedError struct {
	// Name is the file as the command names it.
	Name string
}

func (e *FileRefusedError) Error() string {
	return fmt.Sprintf("the curl command reads the file %q, and this import cannot read files: "+
		"import it with `hookscope import FILE` on the machine that has them, or paste the content into the command", e.Name)
}

// fileBudget is what one curl command may still read from files.
type fileBudget struct{ left, limit int64 }

func (o ImportOptions) newBudget() *fileBudget {
	limit := o.MaxBody
	if limit <= 0 {
		limit = DefaultMaxFileRead
	}
	return &fileBudget{left: limit, limit: limit}
}

func (b *fileBudget) tooLarge(name string) error {
	return fmt.Errorf("the file %q takes the curl command past the %s it may read from files (the body limit, --max-body); raise --max-body to import it",
		name, textutil.ExactSize(b.limit))
}

// read reads r to its end, spending the budget; it reads at most one byte
// more than is left (a file may have grown since its size was looked at),
// never the whole of a longer one.
func (b *fileBudget) read(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, b.left+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %q for the curl command: %w", name, pathReason(err))
	}
	if int64(len(data)) > b.left {
		return nil, b.tooLarge(name)
	}
	b.left -= int64(len(data))
	return data, nil
}

// readFile reads a file a curl command names, for use ("body" or
// "headers"). Only regular files inside Dir, and only as many bytes as
// the budget has left: a command naming /dev/zero, a FIFO, the database
// or a file of a gigabyte must neither hang the import nor read the file.
func (o ImportOptions) readFile(name, use string, budget *fileBudget) ([]byte, error) {
	if o.Dir == "" {
		return nil, &FileRefusedError{Name: name}
	}
	dir, rel, err := o.inDir(name)
	if err != nil {
		return nil, err
	}
	// rel is resolved; os.Root checks again, at each step, that nothing
	// leads out of the folder, so a link swapped in after inDir looked
	// cannot.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot open the folder %s to read %q from it: %w", o.Dir, name, pathReason(err))
	}
	defer root.Close()
	fi, err := root.Stat(rel)
	if err != nil {
		return nil, o.cannotRead(name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("the curl command reads %q, which is not a regular file; the import reads only files", name)
	}
	if fi.Size() > budget.left {
		return nil, budget.tooLarge(name)
	}
	f, err := root.Open(rel)
	if err != nil {
		return nil, o.cannotRead(name, err)
	}
	defer f.Close()
	b, err := budget.read(f, name)
	if err != nil {
		return nil, err
	}
	if o.OnFile != nil {
		o.OnFile(FileRead{Name: name, Path: o.shown(name), Use: use, Size: int64(len(b))})
	}
	return b, nil
}

// inDir returns the folder with its symbolic links resolved and the file
// relative to it, also resolved; or an error when the file lies outside
// Dir: an absolute path elsewhere, ".." leading out, or a symbolic link
// whose target is outside.
func (o ImportOptions) inDir(name string) (root, rel string, err error) {
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return "", "", fmt.Errorf("cannot find the folder %s: %w", o.Dir, err)
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	if r, err := filepath.Rel(dir, path); err != nil || !filepath.IsLocal(r) {
		return "", "", o.outside(name, "")
	}
	if root, err = filepath.EvalSymlinks(dir); err != nil {
		return "", "", fmt.Errorf("cannot find the folder %s: %w", o.Dir, pathReason(err))
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", "", o.cannotRead(name, err)
	}
	if rel, err = filepath.Rel(root, real); err != nil || !filepath.IsLocal(rel) {
		return "", "", o.outside(name, " through a symbolic link")
	}
	return root, rel, nil
}

func (o ImportOptions) outside(name, how string) error {
	return fmt.Errorf("the curl command reads %q, which is outside the folder of the command (%s)%s; "+
		"an import reads only files in that folder or below it: copy the file there and name it relative to the command", name, o.Dir, how)
}

func (o ImportOptions) cannotRead(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("the curl command reads %q, which is not in the folder of the command (%s)", name, o.Dir)
	}
	// os.Root's refusal of a link leading out (one made after inDir
	// looked) reads "path escapes from parent".
	return fmt.Errorf("cannot read %q in the folder of the command (%s): %w", name, o.Dir, pathReason(err))
}

// pathReason drops the operation and path of a *fs.PathError, which the
// caller's sentence already names.
func pathReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// shown is where name is, for a person: Dir joined with it.
func (o ImportOptions) shown(name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	return filepath.Join(o.Dir, name)
}
