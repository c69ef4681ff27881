// This file holds how results and certificates are shown: the JSON views
// (stable field names; certificates as their subject, issuer, serial, names
// and validity, never as blobs) and the human-readable summaries.

package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/certdir"
)

// certView is a certificate as JSON.
type certView struct {
	Subject            string    `json:"subject"`
	Issuer             string    `json:"issuer"`
	Serial             string    `json:"serial"` // hexadecimal, lower case
	DNSNames           []string  `json:"dnsNames,omitempty"`
	IPAddresses        []string  `json:"ipAddresses,omitempty"`
	EmailAddresses     []string  `json:"emailAddresses,omitempty"`
	URIs               []string  `json:"uris,omitempty"`
	NotBefore          time.Time `json:"notBefore"`
	NotAfter           time.Time `json:"notAfter"`
	IsCA               bool      `json:"isCA"`
	SelfSigned         bool      `json:"selfSigned"` // subject equals issuer (no signature check)
	PublicKeyAlgorithm string    `json:"publicKeyAlgorithm"`
	SignatureAlgorithm string    `json:"signatureAlgorithm"`
	SHA256             string    `json:"sha256"` // fingerprint of the DER, hexadecimal
}

func viewCert(c *x509.Certificate) certView {
	v := certView{
		Subject:            c.Subject.String(),
		Issuer:             c.Issuer.String(),
		DNSNames:           c.DNSNames,
		EmailAddresses:     c.EmailAddresses,
		NotBefore:          c.NotBefore.UTC(),
		NotAfter:           c.NotAfter.UTC(),
		IsCA:               c.IsCA,
		SelfSigned:         string(c.RawSubject) == string(c.RawIssuer),
		PublicKeyAlgorithm: c.PublicKeyAlgorithm.String(),
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
	}
	if c.SerialNumber != nil {
		v.Serial = c.SerialNumber.Text(16)
	}
	for _, ip := range c.IPAddresses {
		v.IPAddresses = append(v.IPAddresses, ip.String())
	}
	for _, u := range c.URIs {
		v.URIs = append(v.URIs, u.String())
	}
	sum := sha256.Sum256(c.Raw)
	v.SHA256 = hex.EncodeToString(sum[:])
	return v
}

type domainView struct {
	Domain string `json:"domain"`
	Status string `json:"status"`
}

func viewDomains(ds []collectssl.DomainStatus) []domainView {
	if ds == nil {
		return nil
	}
	v := make([]domainView, len(ds))
	for i, d := range ds {
		v[i] = domainView{d.Domain, d.Status}
	}
	return v
}

// statusDetailsView holds the seven progress values as the specification's
// numbers: -1 not required, 0 not completed, 1 completed, 2 in progress.
type statusDetailsView struct {
	CSR                    int `json:"csr"`
	DCV                    int `json:"dcv"`
	OVCallback             int `json:"ovCallback"`
	OrganizationValidation int `json:"organizationValidation"`
	FreeDVUP               int `json:"freeDVUP"`
	EVClickThrough         int `json:"evClickThrough"`
	BrandValidation        int `json:"brandValidation"`
}

// resultView is a Result (or a negative status) as JSON.
type resultView struct {
	Status     int    `json:"status"`
	StatusText string `json:"statusText"`
	// Message and Argument are set for a negative status only.
	Message  string `json:"message,omitempty"`
	Argument string `json:"argument,omitempty"`

	NotBefore *time.Time `json:"notBefore,omitempty"`
	NotAfter  *time.Time `json:"notAfter,omitempty"`
	FQDN      string     `json:"fqdn,omitempty"`

	Certificate    *certView  `json:"certificate,omitempty"`
	CACertificates []certView `json:"caCertificates,omitempty"`
	ContainerBytes int        `json:"containerBytes,omitempty"`

	CertificateStatus string             `json:"certificateStatus,omitempty"`
	ValidationStatus  string             `json:"validationStatus,omitempty"`
	MDCDomainDetails  []domainView       `json:"mdcDomainDetails,omitempty"`
	MDCDomainDetails2 []domainView       `json:"mdcDomainDetails2,omitempty"`
	StatusDetails     *statusDetailsView `json:"statusDetails,omitempty"`
	CAAStatus         string             `json:"caaStatus,omitempty"`

	Extra map[string][]string `json:"extra,omitempty"`
}

func viewResult(r *collectssl.Result) resultView {
	v := resultView{
		Status:            int(r.Status),
		StatusText:        r.Status.String(),
		FQDN:              r.FQDN,
		ContainerBytes:    len(r.Container),
		CertificateStatus: r.CertificateStatus,
		ValidationStatus:  r.ValidationStatus,
		MDCDomainDetails:  viewDomains(r.MDCDomainDetails),
		MDCDomainDetails2: viewDomains(r.MDCDomainDetails2),
		CAAStatus:         r.CAAStatus,
	}
	if !r.NotBefore.IsZero() {
		t := r.NotBefore.UTC()
		v.NotBefore = &t
	}
	if !r.NotAfter.IsZero() {
		t := r.NotAfter.UTC()
		v.NotAfter = &t
	}
	if r.Certificate != nil {
		c := viewCert(r.Certificate)
		v.Certificate = &c
	}
	for _, c := range r.CACertificates {
		v.CACertificates = append(v.CACertificates, viewCert(c))
	}
	if d := r.StatusDetails; d != nil {
		v.StatusDetails = &statusDetailsView{
			CSR: int(d.CSR), DCV: int(d.DCV), OVCallback: int(d.OVCallback),
			OrganizationValidation: int(d.OrganizationValidation), FreeDVUP: int(d.FreeDVUP),
			EVClickThrough: int(d.EVClickThrough), BrandValidation: int(d.BrandValidation),
		}
	}
	if len(r.Extra) > 0 {
		v.Extra = map[string][]string(r.Extra)
	}
	return v
}

func viewStatusError(se *collectssl.StatusError) resultView {
	return resultView{Status: int(se.Code), StatusText: se.Code.String(), Message: se.Message, Argument: se.Argument}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("collectssl: writing JSON: %w", err)
	}
	return nil
}

const dateTime = "2006-01-02 15:04:05 MST"

// printBundle prints a short human summary of b: the leaf's subject and
// names, the chain above it, and the validity.
func printBundle(w io.Writer, b *collectssl.Bundle, now time.Time) {
	leaf := b.Leaf
	fmt.Fprintf(w, "Subject:    %s\n", printable(leaf.Subject.String()))
	if names := sans(leaf); names != "" {
		fmt.Fprintf(w, "Names:      %s\n", printable(names))
	}
	fmt.Fprintf(w, "Key:        %s, serial %s\n", leaf.PublicKeyAlgorithm, leaf.SerialNumber.Text(16))
	fmt.Fprintf(w, "Valid:      %s to %s (%s)\n", leaf.NotBefore.UTC().Format(dateTime), leaf.NotAfter.UTC().Format(dateTime), remaining(leaf, now))
	label := "Issued by:"
	for _, c := range b.Intermediates {
		fmt.Fprintf(w, "%-11s %s\n", label, printable(c.Subject.String()))
		label = ""
	}
	switch {
	case b.Root != nil:
		fmt.Fprintf(w, "%-11s %s (root, delivered)\n", label, printable(b.Root.Subject.String()))
	case len(b.Intermediates) > 0:
		last := b.Intermediates[len(b.Intermediates)-1]
		fmt.Fprintf(w, "%-11s %s (root, not delivered)\n", label, printable(last.Issuer.String()))
	default:
		fmt.Fprintf(w, "%-11s %s (not delivered)\n", label, printable(leaf.Issuer.String()))
	}
}

func sans(c *x509.Certificate) string {
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	names = append(names, c.EmailAddresses...)
	for _, u := range c.URIs {
		names = append(names, u.String())
	}
	return strings.Join(names, ", ")
}

func remaining(c *x509.Certificate, now time.Time) string {
	switch {
	case now.Before(c.NotBefore):
		return "not valid yet"
	case now.After(c.NotAfter):
		return "EXPIRED"
	}
	days := int(c.NotAfter.Sub(now).Hours() / 24)
	return fmt.Sprintf("%d days left", days)
}

// printFindings prints the bundle's findings as notes.
func printFindings(w io.Writer, b *collectssl.Bundle) {
	for _, f := range b.Findings {
		fmt.Fprintf(w, "collectssl: note: %s\n", oneLine(f.String()))
	}
}

// installView is collect's outcome as JSON.
type installView struct {
	Change      string    `json:"change"` // unchanged, created, renewed, updated, replaced
	Lineage     string    `json:"lineage"`
	Version     string    `json:"version"`
	Previous    string    `json:"previous,omitempty"`
	Domains     []string  `json:"domains"`
	Files       []string  `json:"files"`
	Removed     []string  `json:"removed,omitempty"`
	Certificate certView  `json:"certificate"`
	Hook        *hookView `json:"hook,omitempty"`
}

func viewInstall(b *collectssl.Bundle, out *certdir.Outcome, hv *hookView) installView {
	return installView{
		Change: out.Change.String(), Lineage: out.Lineage, Version: out.Version, Previous: out.Previous,
		Domains: out.Domains, Files: out.Files, Removed: out.Removed, Certificate: viewCert(b.Leaf), Hook: hv,
	}
}

// printInstall says what collect did to the live set.
func printInstall(w io.Writer, out *certdir.Outcome, hv *hookView) {
	if out.Change == certdir.Unchanged {
		fmt.Fprintf(w, "Live set in %s unchanged: this certificate is already live (%s)\n", out.Lineage, out.Version)
	} else {
		fmt.Fprintf(w, "Live set in %s %s: %s is live", out.Lineage, out.Change, out.Version)
		if out.Previous != "" {
			fmt.Fprintf(w, ", %s kept", out.Previous)
		}
		fmt.Fprintln(w)
	}
	for _, f := range out.Files {
		fmt.Fprintf(w, "  %s\n", f)
	}
	if hv != nil {
		fmt.Fprintf(w, "Deploy hook: %s\n", hv.Status)
	}
}

// printStatus prints a status Result for humans.
func printStatus(w io.Writer, r *collectssl.Result) {
	fmt.Fprintf(w, "Status:       %d (%s)\n", int(r.Status), r.Status)
	if !r.NotBefore.IsZero() || !r.NotAfter.IsZero() {
		fmt.Fprintf(w, "Validity:     %s to %s\n", fmtTime(r.NotBefore), fmtTime(r.NotAfter))
	}
	if r.FQDN != "" {
		fmt.Fprintf(w, "FQDN:         %s\n", printable(r.FQDN))
	}
	if r.CertificateStatus != "" || r.ValidationStatus != "" {
		fmt.Fprintf(w, "Certificate:  %s\n", printable(orDash(r.CertificateStatus)))
		fmt.Fprintf(w, "Validation:   %s\n", printable(orDash(r.ValidationStatus)))
	}
	printDomains(w, "Domains:", r.MDCDomainDetails)
	printDomains(w, "Domains (2):", r.MDCDomainDetails2)
	if d := r.StatusDetails; d != nil {
		fmt.Fprintf(w, "Steps:        CSR %s, DCV %s, OV callback %s, organization validation %s,\n", progress(d.CSR), progress(d.DCV), progress(d.OVCallback), progress(d.OrganizationValidation))
		fmt.Fprintf(w, "              free DV UP %s, EV click-through %s, brand validation %s\n", progress(d.FreeDVUP), progress(d.EVClickThrough), progress(d.BrandValidation))
	}
	if r.CAAStatus != "" {
		fmt.Fprintf(w, "CAA:          %s\n", printable(r.CAAStatus))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Extra)) {
		for _, v := range r.Extra[k] {
			fmt.Fprintf(w, "Extra:        %s=%q\n", printable(k), v)
		}
	}
}

func printDomains(w io.Writer, label string, ds []collectssl.DomainStatus) {
	for _, d := range ds {
		fmt.Fprintf(w, "%-13s %s %s\n", label, printable(d.Domain), printable(d.Status))
		label = ""
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format(dateTime)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func progress(p collectssl.Progress) string {
	switch p {
	case collectssl.ProgressNotRequired:
		return "not required"
	case collectssl.ProgressNotCompleted:
		return "not completed"
	case collectssl.ProgressCompleted:
		return "completed"
	case collectssl.ProgressInProgress:
		return "in progress"
	}
	return fmt.Sprintf("%d", int(p))
}
