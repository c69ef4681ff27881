#!/usr/bin/env bash
# Regenerates the OpenSSL- and zip-made fixtures of testdata/ (see README.md).
# Needs openssl (3.x), zip and python3. Keys live in a temporary directory and
# are deleted: no private key is committed. The certificates are valid for
# 100 years, and no test depends on time with them.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/$1.key" 2>/dev/null; }
ec root; ec inter; ec leaf

openssl req -x509 -new -key "$tmp/root.key" -subj "/O=collectssl fixtures/CN=Fixture Root" \
	-days 36500 -sha256 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
	-out "$tmp/root.pem"
openssl req -new -key "$tmp/inter.key" -subj "/O=collectssl fixtures/CN=Fixture Intermediate" -out "$tmp/inter.csr"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$tmp/ca.ext"
openssl x509 -req -in "$tmp/inter.csr" -CA "$tmp/root.pem" -CAkey "$tmp/root.key" -set_serial 2 \
	-days 36500 -sha256 -extfile "$tmp/ca.ext" -out "$tmp/inter.pem" 2>/dev/null
openssl req -new -key "$tmp/leaf.key" -subj "/CN=www.fixture.test" -out "$tmp/leaf.csr"
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectAltName=DNS:www.fixture.test\n' >"$tmp/leaf.ext"
openssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/inter.pem" -CAkey "$tmp/inter.key" -set_serial 3 \
	-days 36500 -sha256 -extfile "$tmp/leaf.ext" -out "$tmp/leaf.pem" 2>/dev/null

# PEM chain, root first (CollectSSL's order), and DER concatenation.
cat "$tmp/root.pem" "$tmp/inter.pem" "$tmp/leaf.pem" >openssl-chain.pem
for c in root inter leaf; do openssl x509 -in "$tmp/$c.pem" -outform DER; done >openssl-chain.der
# The same PEM as Windows writes it: UTF-16LE with a byte order mark and CRLF.
python3 -c 'import sys; t=open("openssl-chain.pem").read().replace("\n","\r\n"); sys.stdout.buffer.write(t.encode("utf-16"))' >openssl-chain-utf16le.pem

# PKCS#7 certs-only, DER and PEM, with and without a CRL; bare base64.
openssl crl2pkcs7 -nocrl -certfile openssl-chain.pem -outform DER -out openssl-pkcs7.der
openssl crl2pkcs7 -nocrl -certfile openssl-chain.pem -outform PEM -out openssl-pkcs7.pem
openssl base64 -in openssl-pkcs7.der -out openssl-pkcs7.b64
mkdir -p "$tmp/ca/newcerts"; : >"$tmp/ca/index.txt"; echo 01 >"$tmp/ca/crlnumber"
cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = ca
[ca]
database = $tmp/ca/index.txt
crlnumber = $tmp/ca/crlnumber
default_md = sha256
default_crl_days = 36500
CNF
openssl ca -config "$tmp/ca.cnf" -gencrl -keyfile "$tmp/root.key" -cert "$tmp/root.pem" -out "$tmp/root.crl" 2>/dev/null
openssl crl2pkcs7 -in "$tmp/root.crl" -certfile openssl-chain.pem -outform DER -out openssl-pkcs7-crl.der

# Netscape certificate sequence: PEM (label CERTIFICATE) and DER.
openssl nseq -toseq -in openssl-chain.pem -out openssl-nseq.pem
python3 -c 'import base64,sys; t=open("openssl-nseq.pem").read().split("-----")[2]; sys.stdout.buffer.write(base64.b64decode("".join(t.split())))' >openssl-nseq.der

# Signed messages with signerInfos (the leaf signs; the intermediate rides along).
printf 'hello\n' >"$tmp/msg.txt"
openssl cms -sign -binary -nodetach -in "$tmp/msg.txt" -signer "$tmp/leaf.pem" -inkey "$tmp/leaf.key" \
	-certfile "$tmp/inter.pem" -outform DER -out openssl-cms-signed.der
openssl cms -sign -binary -nodetach -stream -in "$tmp/msg.txt" -signer "$tmp/leaf.pem" -inkey "$tmp/leaf.key" \
	-certfile "$tmp/inter.pem" -outform DER -out openssl-cms-signed-ber.der
openssl smime -sign -in "$tmp/msg.txt" -signer "$tmp/leaf.pem" -inkey "$tmp/leaf.key" \
	-certfile "$tmp/inter.pem" -outform PEM -out openssl-smime-signed.pem

# Negative fixtures, named for what is wrong with them.
{ cat openssl-pkcs7.der; printf 'junk'; } >pkcs7-trailing-junk.der
openssl crl2pkcs7 -nocrl -outform DER -out pkcs7-empty.der

# ZIP archives made by zip: Sectigo's shape (a .crt, a .ca-bundle repeating
# the CA certificates, a readme) in sub-folders; CRLF PEM; readme only;
# an encrypted entry.
rm -f zip-*.zip
mkdir -p "$tmp/z/www_fixture_test/ca"
cp "$tmp/leaf.pem" "$tmp/z/www_fixture_test/www_fixture_test.crt"
cat "$tmp/inter.pem" "$tmp/root.pem" >"$tmp/z/www_fixture_test/www_fixture_test.ca-bundle"
cp "$tmp/inter.pem" "$tmp/z/www_fixture_test/ca/intermediate.crt"
printf 'Install the certificate and the CA bundle.\r\n' >"$tmp/z/www_fixture_test/readme.txt"
(cd "$tmp/z" && TZ=UTC zip -q -X -r - www_fixture_test/www_fixture_test.crt www_fixture_test/www_fixture_test.ca-bundle \
	www_fixture_test/ca www_fixture_test/readme.txt) >zip-sectigo-shape.zip
mkdir -p "$tmp/c"
sed 's/$/\r/' "$tmp/leaf.pem" >"$tmp/c/leaf.crt"
cat "$tmp/inter.pem" "$tmp/root.pem" | sed 's/$/\r/' | head -c -2 >"$tmp/c/bundle.ca-bundle" # no final CRLF
(cd "$tmp/c" && TZ=UTC zip -q -X - leaf.crt bundle.ca-bundle) >zip-crlf-pem.zip
(cd "$tmp/z/www_fixture_test" && TZ=UTC zip -q -X - readme.txt) >zip-readme-only.zip
(cd "$tmp/c" && TZ=UTC zip -q -X -P fixture-password - leaf.crt) >zip-encrypted.zip
ls -l
