// This file holds Install's steps: the lock, reading the current set,
// the renewal rule, the swap, the stable links, pruning, and the removal
// of leftovers.

package certdir

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Lock polling: Install polls a taken lock, starting at lockPollMin and
// doubling up to lockPollMax, until the lock is free or its context ends.
const (
	lockPollMin = 5 * time.Millisecond
	lockPollMax = 200 * time.Millisecond
)

// lock takes the directory's lock, waiting while another holder has it.
func (d *Dir) lock(ctx context.Context, dir string) (unlock func(), err error) {
	name := filepath.Join(dir, lockFile)
	f, err := openLockFile(name)
	if err != nil {
		return nil, &PathError{Op: "opening the lock", Path: name, Err: unwrapPath(err)}
	}
	pause, told := lockPollMin, false
	for {
		busy, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, &PathError{Op: "locking", Path: name, Err: err}
		}
		if !busy {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !told && d.OnLockWait != nil {
			d.OnLockWait()
		}
		told = true
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, ctx.Err()
		case <-t.C:
		}
		pause = min(pause*2, lockPollMax)
	}
}

// currentSet is the live set before an Install.
type currentSet struct {
	leaf    *x509.Certificate
	version string // the version directory; "" for the layout of earlier releases
}

// current reads the current set: DIR/current's version, or the cert.pem of
// a directory in the layout of earlier releases. It returns an error
// matching fs.ErrNotExist when there is none.
func (d *Dir) current() (*currentSet, error) {
	dir := d.path()
	link := filepath.Join(dir, currentLink)
	fi, err := os.Lstat(link)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(link)
		if err != nil {
			return nil, &PathError{Op: "reading", Path: link, Err: unwrapPath(err)}
		}
		if !ourVersion(target) {
			return nil, &PathError{Op: "reading", Path: link, Err: fmt.Errorf("%w: it points at %q, not at a version under %s/", ErrNotRegular, target, versionsDir)}
		}
		version := filepath.Join(dir, target)
		leaf, err := readLeaf(filepath.Join(version, CertFile))
		if err != nil {
			return nil, err
		}
		return &currentSet{leaf: leaf, version: version}, nil
	case err == nil:
		return nil, &PathError{Op: "reading", Path: link, Err: fmt.Errorf("%w (%s, not a link)", ErrNotRegular, kind(fi.Mode()))}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, &PathError{Op: "reading", Path: link, Err: unwrapPath(err)}
	}
	// No current link: an earlier release's regular cert.pem, or nothing.
	name := filepath.Join(dir, CertFile)
	fi, err = os.Lstat(name)
	if err != nil {
		return nil, &PathError{Op: "reading", Path: name, Err: unwrapPath(err)}
	}
	if !fi.Mode().IsRegular() {
		return nil, &PathError{Op: "reading", Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(fi.Mode()))}
	}
	leaf, err := readLeaf(name)
	if err != nil {
		return nil, err
	}
	return &currentSet{leaf: leaf}, nil
}

// ourVersion reports whether a link target is versions/NNNN.
func ourVersion(target string) bool {
	v, ok := strings.CutPrefix(target, versionsDir+"/")
	return ok && versionNumber(v) > 0
}

// versionNumber is the number of a version directory's name, or 0.
func versionNumber(name string) int {
	if len(name) < 4 || strings.Trim(name, "0123456789") != "" {
		return 0
	}
	n, err := strconv.Atoi(name)
	if err != nil {
		return 0
	}
	return n
}

// readLeaf reads the first certificate of a PEM file.
func readLeaf(name string) (*x509.Certificate, error) {
	data, err := ReadFile(name, maxVersionFileBytes)
	if err != nil {
		return nil, err
	}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, &PathError{Op: "reading", Path: name, Err: errors.New("no PEM certificate in it")}
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, &PathError{Op: "reading", Path: name, Err: err}
			}
			return c, nil
		}
	}
}

// Domains returns the names of c as the renewal rule compares them: its DNS
// and IP subject alternative names, lower-cased, sorted, without
// duplicates; its subject's common name when it has none.
func Domains(c *x509.Certificate) []string {
	var ds []string
	for _, n := range c.DNSNames {
		ds = append(ds, strings.ToLower(n))
	}
	for _, ip := range c.IPAddresses {
		ds = append(ds, ip.String())
	}
	if len(ds) == 0 && c.Subject.CommonName != "" {
		cn := strings.ToLower(c.Subject.CommonName)
		if ip := net.ParseIP(cn); ip != nil {
			cn = ip.String()
		}
		ds = append(ds, cn)
	}
	slices.Sort(ds)
	return slices.Compact(ds)
}

// decide applies the renewal rule: the change the new leaf makes to the
// current set cur (nil: none), or why it is refused.
func decide(cur *currentSet, leaf *x509.Certificate, sameFiles bool, force bool) (Change, error) {
	switch {
	case cur == nil:
		return Created, nil
	case cur.leaf.Equal(leaf) && sameFiles:
		return Unchanged, nil
	case cur.leaf.Equal(leaf):
		return Updated, nil
	case !slices.Equal(Domains(cur.leaf), Domains(leaf)):
		if force {
			return Replaced, nil
		}
		return 0, fmt.Errorf("certdir: %w: current %s, new %s", ErrOtherNames, strings.Join(Domains(cur.leaf), " "), strings.Join(Domains(leaf), " "))
	case !leaf.NotBefore.After(cur.leaf.NotBefore):
		if force {
			return Replaced, nil
		}
		return 0, fmt.Errorf("certdir: %w: current notBefore %s, new %s", ErrNotNewer,
			cur.leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	return Renewed, nil
}

// install is Install after rendering.
func (d *Dir) install(ctx context.Context, leaf *x509.Certificate, files []file, opts *Options) (*Outcome, error) {
	dir := d.path()
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	unlock, err := d.lock(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	versions := filepath.Join(dir, versionsDir)
	removeLeftovers(dir)
	removeLeftovers(versions)
	if err := d.checkStableNames(dir, opts.Force); err != nil {
		return nil, err
	}

	cur, err := d.current()
	if errors.Is(err, fs.ErrNotExist) {
		cur, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	same := false
	if cur != nil && cur.version != "" && cur.leaf.Equal(leaf) {
		if same, err = sameFiles(cur.version, files); err != nil {
			return nil, err
		}
	}
	change, err := decide(cur, leaf, same, opts.Force)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Change: change, Lineage: dir, Domains: Domains(leaf)}
	if change == Unchanged {
		// Mend the stable links, should an Install have died between
		// its swap and its links.
		if err := ensureLinks(dir, files); err != nil {
			return nil, err
		}
		out.Version = cur.version
		out.Files = d.stablePaths(dir, files)
		return out, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	if err := ensureDir(versions); err != nil {
		return nil, err
	}
	next, err := nextVersion(versions)
	if err != nil {
		return nil, err
	}
	tmp, err := writeVersion(versions, files)
	if err != nil {
		return nil, err
	}
	final := filepath.Join(versions, next)
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		return nil, &PathError{Op: "renaming a version to", Path: final, Err: unwrapPath(err)}
	}
	syncDir(versions)
	// From here the new version exists but is not current: a failure
	// removes it.
	fail := func(err error) (*Outcome, error) {
		os.RemoveAll(final)
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if d.beforeSwap != nil {
		if err := d.beforeSwap(); err != nil {
			return fail(err)
		}
	}
	if err := symlinkAtomic(versionsDir+"/"+next, filepath.Join(dir, currentLink)); err != nil {
		return fail(err)
	}
	syncDir(dir)
	// The new set is live: from here an error comes with the Outcome.
	out.Version = final
	if cur != nil {
		out.Previous = cur.version
	}
	out.Files = d.stablePaths(dir, files)
	if err := ensureLinks(dir, files); err != nil {
		return out, err
	}
	out.Removed = d.prune(versions, next, out.Previous)
	if slices.Contains(out.Removed, out.Previous) {
		out.Previous = "" // Keep 1: no rollback is kept
	}
	return out, nil
}

// ensureLinks makes the stable links of files. They go through current, so
// they need making only once; an earlier release's regular files are
// replaced by links here, each in one rename. A regular file the version
// lacks (an earlier release's chain.pem) becomes a link too, dangling like
// any name the version lacks.
func ensureLinks(dir string, files []file) error {
	for _, name := range names {
		has := slices.ContainsFunc(files, func(f file) bool { return f.name == name })
		if !has {
			if fi, err := os.Lstat(filepath.Join(dir, name)); err != nil || !fi.Mode().IsRegular() {
				continue
			}
		}
		if err := ensureLink(dir, name); err != nil {
			return err
		}
	}
	syncDir(dir)
	return nil
}

// stablePaths are the stable paths of files.
func (d *Dir) stablePaths(dir string, files []file) []string {
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(dir, f.name)
	}
	return paths
}

// checkStableNames refuses, before anything is written, a stable name that
// is neither absent, nor our link, nor a regular file of an earlier
// release: a named pipe, a directory, a device; and, unless force, a link
// that points elsewhere.
func (d *Dir) checkStableNames(dir string, force bool) error {
	for _, name := range append([]string{currentLink}, names...) {
		path := filepath.Join(dir, name)
		fi, err := os.Lstat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return &PathError{Op: "checking", Path: path, Err: unwrapPath(err)}
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return &PathError{Op: "checking", Path: path, Err: unwrapPath(err)}
			}
			if name == currentLink || target == currentLink+"/"+name || force {
				continue
			}
			return &PathError{Op: "checking", Path: path, Err: fmt.Errorf("%w: a link to %q, not to %s/%s (force to replace it)", ErrNotRegular, target, currentLink, name)}
		case name == currentLink:
			return &PathError{Op: "checking", Path: path, Err: fmt.Errorf("%w (%s, not a link)", ErrNotRegular, kind(fi.Mode()))}
		case !fi.Mode().IsRegular():
			return &PathError{Op: "checking", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(fi.Mode()))}
		}
	}
	return nil
}

// ensureLink makes dir/name the link current/name unless it already is.
func ensureLink(dir, name string) error {
	path := filepath.Join(dir, name)
	want := currentLink + "/" + name
	if target, err := os.Readlink(path); err == nil && target == want {
		return nil
	}
	return symlinkAtomic(want, path)
}

// nextVersion returns the name of the next version directory: one more
// than the highest there, four digits at least.
func nextVersion(versions string) (string, error) {
	entries, err := os.ReadDir(versions)
	if err != nil {
		return "", &PathError{Op: "reading", Path: versions, Err: unwrapPath(err)}
	}
	high := 0
	for _, e := range entries {
		high = max(high, versionNumber(e.Name()))
	}
	return fmt.Sprintf("%04d", high+1), nil
}

// prune removes the oldest versions beyond Keep, never current (nor
// previous, when Keep is 2 or more), and returns their paths. Failures are not errors: the next Install retries.
func (d *Dir) prune(versions, current, previous string) []string {
	keep := d.keep()
	if keep < 0 {
		return nil
	}
	keep = max(keep, 1)
	// The live version is never removed, nor, when two or more are kept,
	// the one it replaced (the rollback), whatever their numbers: an
	// Install that died before its swap, or a rollback by hand, can leave
	// other versions numbered above them.
	protect := map[int]bool{versionNumber(current): true}
	if keep >= 2 && previous != "" {
		protect[versionNumber(filepath.Base(previous))] = true
	}
	entries, err := os.ReadDir(versions)
	if err != nil {
		return nil
	}
	var nums []int
	for _, e := range entries {
		if n := versionNumber(e.Name()); n > 0 && e.IsDir() {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	var others []int // the versions that may go, oldest first
	for _, n := range nums {
		if !protect[n] {
			others = append(others, n)
		}
	}
	room := max(keep-(len(nums)-len(others)), 0)
	var removed []string
	for ; len(others) > room; others = others[1:] {
		path := filepath.Join(versions, fmt.Sprintf("%04d", others[0]))
		if os.RemoveAll(path) == nil {
			removed = append(removed, path)
		}
	}
	return removed
}

// removeLeftovers removes the temporary entries (.tmp-*) in dir: under the
// lock, they can only be an unfinished Install's.
func removeLeftovers(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// ensureDir creates dir (and its parents) when missing, with mode 0755
// whatever the umask; a dir that is not a directory is an error.
func ensureDir(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return &PathError{Op: "using", Path: dir, Err: errors.New("not a directory")}
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return &PathError{Op: "using", Path: dir, Err: unwrapPath(err)}
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return &PathError{Op: "creating", Path: dir, Err: unwrapPath(err)}
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		return &PathError{Op: "creating", Path: dir, Err: unwrapPath(err)}
	}
	return nil
}
