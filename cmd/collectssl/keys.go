// This file holds reading the -key file: PKCS#8, PKCS#1 or SEC 1 PEM, a
// regular file only; messages never quote its content.

package main

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
)

// readKey reads the private key in name and returns it with the file's
// permission bits (the key files collect writes are never looser).
func readKey(name string) (crypto.Signer, fs.FileMode, error) {
	data, err := readFileLimited(name, maxKeyFileBytes)
	if err != nil {
		return nil, 0, usagef("%v", err)
	}
	var mode fs.FileMode
	if fi, err := os.Stat(name); err == nil {
		mode = fi.Mode().Perm()
	}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, 0, usagef("collectssl: -key %s: no PEM private key in it", name)
		}
		var key any
		switch b.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, 0, usagef("collectssl: -key %s: the key is encrypted; decrypt it first (openssl pkey -in FILE -out FILE.plain)", name)
		default:
			continue
		}
		if err != nil {
			return nil, 0, usagef("collectssl: -key %s: %s block does not parse", name, b.Type)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, 0, usagef("collectssl: -key %s: not a signing key", name)
		}
		return signer, mode, nil
	}
}
