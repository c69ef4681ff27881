// Package certdir writes certificate bundles to disk the safe way: each
// certificate's files go into a new version directory, and one rename of a
// symbolic link makes the whole set current, so that a reader never sees a
// mixed set; the previous version stays for rollback.
//
// # Layout
//
// A Dir at DIR looks like this after two collections:
//
//	DIR/
//	  .lock                          the lock file (flock), empty
//	  versions/
//	    0001/                        the previous set, kept for rollback
//	    0002/                        the current set:
//	      cert.pem                     the end-entity certificate
//	      chain.pem                    the intermediates, the leaf's issuer first (absent when there are none)
//	      fullchain.pem                cert.pem then chain.pem
//	      root.pem                     the root, when it was delivered
//	      chain.p7b                    leaf and intermediates as DER PKCS#7
//	      privkey.pem                  with a key: the private key (PKCS#8), mode 0600 or tighter
//	      combined.pem                 with a key: fullchain.pem then privkey.pem (HAProxy), same mode
//	      cert.p12                     on request: PKCS#12 of key, leaf, intermediates and root, same mode
//	  current -> versions/0002       the one link whose rename switches sets
//	  cert.pem -> current/cert.pem   stable names, created once, never rewritten
//	  chain.pem -> current/chain.pem
//	  ...                            (one link per file name a version has held)
//
// Servers are pointed at the stable names (DIR/fullchain.pem,
// DIR/privkey.pem). Each goes through DIR/current, so a rename of current
// switches every name at once. A name the current version lacks (chain.pem
// for a chain without intermediates, root.pem when no root was delivered) is
// a dangling link: opening it fails with "no such file", exactly as if it
// were absent. A reader that must read several files of one set without a
// switch between them resolves DIR/current once (readlink) and reads from
// that version directory.
//
// Version directories are numbered; Dir.Keep says how many stay. To roll
// back by hand, point current at an earlier version with one rename:
//
//	ln -s versions/0001 DIR/.current.new && mv -T DIR/.current.new DIR/current
//
// A directory written by earlier releases of the collectssl command (regular
// files cert.pem, chain.pem, ... directly in DIR) is taken over: its cert.pem
// is the current certificate for the renewal rule, and each regular file is
// replaced by its link in one rename after the first version is current.
//
// # Renewal rule
//
// Install compares the new leaf with the current one:
//
//   - the same certificate, and every file as it would be written (cert.p12,
//     whose encryption is salted, only by its presence): Unchanged, nothing is
//     written;
//   - the same certificate with different files (a key given now, a root
//     delivered now): Updated;
//   - the same names (the set of DNS and IP subject alternative names,
//     compared case-insensitively; the subject's common name when there are
//     none) and a later notBefore: Renewed;
//   - anything else (a name added or dropped, another domain set, a
//     certificate not newer than the current one): refused with ErrOtherNames
//     or ErrNotNewer unless Options.Force, which installs it as Replaced.
//
// A changed name set is thus never taken as a renewal: a certificate that
// adds or drops a name needs Force, once, and its own renewals are then
// accepted.
//
// # Lock
//
// Install holds an exclusive lock (flock(2) on DIR/.lock) from the first read
// of the current set to the swap. A second Install on the same directory, in
// this process or another, waits for it, polling, until its context ends;
// Dir.OnLockWait is told once when it starts waiting. The lock is only
// implemented where flock(2) is (Linux, the BSDs, macOS); elsewhere Install
// fails with ErrUnsupported.
//
// # Files that are not regular
//
// Install reads only regular files (and its own links). A named pipe, a
// device, a socket or a directory where a file is expected is refused at
// once with ErrNotRegular; nothing ever blocks on opening it. ReadFile
// applies the same rule to any other file a program reads.
//
// # Leftovers
//
// Temporary files and directories (named .tmp-*) of an Install that did not
// finish (a crash, a kill) are removed by the next Install, under the lock.
// An Install that fails or whose context ends removes its own.
package certdir

import (
	"context"
	"crypto"
	"crypto/x509"
	"io/fs"
	"path/filepath"

	"github.com/collectssl/collectssl"
)

// The names of the files in a version directory, which are also the stable
// names in the lineage directory.
const (
	CertFile      = "cert.pem"
	ChainFile     = "chain.pem"
	FullChainFile = "fullchain.pem"
	RootFile      = "root.pem"
	PKCS7File     = "chain.p7b"
	KeyFile       = "privkey.pem"
	CombinedFile  = "combined.pem"
	PKCS12File    = "cert.p12"
)

// Names lists every file name a version can hold, in the order they are
// written.
var names = []string{CertFile, ChainFile, FullChainFile, RootFile, PKCS7File, KeyFile, CombinedFile, PKCS12File}

// Names returns every file name a version can hold, in the order they are
// written.
func Names() []string { return append([]string(nil), names...) }

// Names of the entries Install manages in the lineage directory.
const (
	currentLink = "current"
	versionsDir = "versions"
	lockFile    = ".lock"
	tmpPrefix   = ".tmp-"
)

// DefaultKeep is how many versions stay when Dir.Keep is 0: the current one
// and the previous one.
const DefaultKeep = 2

// Modes of what Install creates.
const (
	publicMode = 0o644 // certificates
	dirMode    = 0o755
	// DefaultKeyMode is the mode of privkey.pem, combined.pem and cert.p12
	// when Options.KeyMode is 0.
	DefaultKeyMode fs.FileMode = 0o600
)

// Dir is a lineage directory: where one certificate and its renewals live.
// The zero value is the current directory, keeping DefaultKeep versions. A
// Dir is safe for concurrent use; Installs on one directory are serialised
// by its lock.
type Dir struct {
	// Path is the lineage directory; "" means ".". It is created (mode 0755)
	// when missing.
	Path string
	// Keep is how many versions stay after an Install, the current one
	// included; 0 means DefaultKeep, a negative number keeps every version.
	Keep int
	// OnLockWait, if not nil, is called once when an Install finds the lock
	// taken and starts waiting for it.
	OnLockWait func()

	// beforeSwap, if not nil, is called just before the rename that makes
	// a new version current; an error stops the Install there (tests).
	beforeSwap func() error
}

// Options are what one Install writes and whether it may replace a
// certificate the renewal rule protects.
type Options struct {
	// Force installs a certificate the renewal rule refuses (other names,
	// not newer) and replaces a foreign symbolic link at a stable name.
	Force bool
	// Key, when not nil, is the certificate's private key: Install checks
	// that it matches the leaf before anything is written (ErrKeyMismatch),
	// then writes privkey.pem and combined.pem.
	Key crypto.Signer
	// KeyMode is the mode of the files that hold the key; 0 means
	// DefaultKeyMode. Bits outside 0600 are dropped, so these files are
	// never looser than 0600; pass the mode of the key file given to keep
	// them no looser than it.
	KeyMode fs.FileMode
	// PKCS12, when true, writes cert.p12 (needs Key): the key, the leaf,
	// the intermediates and the root, encrypted with PKCS12Password using
	// go-pkcs12's Modern encoder.
	PKCS12 bool
	// PKCS12Password is the password of cert.p12. It never appears in an
	// error.
	PKCS12Password string
}

// Change says what an Install did to the live set.
type Change int

// The changes; only Unchanged leaves the live set as it was.
const (
	Unchanged Change = iota // the same certificate and files were already current
	Created                 // there was no current set
	Renewed                 // the same names, a later notBefore
	Updated                 // the same certificate, other files (a key, a root)
	Replaced                // Options.Force installed a certificate the renewal rule refuses
)

var changeNames = [...]string{"unchanged", "created", "renewed", "updated", "replaced"}

// String returns "unchanged", "created", "renewed", "updated" or "replaced".
func (c Change) String() string {
	if c >= 0 && int(c) < len(changeNames) {
		return changeNames[c]
	}
	return "change(" + itoa(int(c)) + ")"
}

// Outcome is what an Install did.
type Outcome struct {
	Change Change
	// Lineage is the lineage directory (Dir.Path, cleaned).
	Lineage string
	// Version is the path of the version directory that is current after
	// the Install; Previous the one that was current before ("" when there
	// was none, or when the set was unchanged).
	Version, Previous string
	// Files are the stable paths of the files the current version holds,
	// in the order of Names.
	Files []string
	// Domains are the leaf's names, as the renewal rule compares them.
	Domains []string
	// Removed are the version directories removed because of Dir.Keep.
	Removed []string
}

func (d *Dir) path() string {
	if d.Path == "" {
		return "."
	}
	return filepath.Clean(d.Path)
}

func (d *Dir) keep() int {
	if d.Keep == 0 {
		return DefaultKeep
	}
	return d.Keep
}

// Install makes the files of b the current set of the directory, following
// the renewal rule, and returns what it did. On an error with a nil
// Outcome the live set is as it was; an error that comes after the swap
// (making a stable link failed) comes with the Outcome: the live set did
// change, and the next Install mends the links. When ctx ends before the
// swap, Install returns ctx.Err() and leaves no temporary file.
func (d *Dir) Install(ctx context.Context, b *collectssl.Bundle, opts *Options) (*Outcome, error) {
	if opts == nil {
		opts = &Options{}
	}
	files, err := render(b, opts)
	if err != nil {
		return nil, err
	}
	return d.install(ctx, b.Leaf, files, opts)
}

// Current returns the leaf of the current set, and the path of the version
// directory it is in ("" for a directory in the layout of earlier releases).
// It returns an error matching fs.ErrNotExist when there is no current set.
func (d *Dir) Current() (*x509.Certificate, string, error) {
	cur, err := d.current()
	if err != nil {
		return nil, "", err
	}
	return cur.leaf, cur.version, nil
}
