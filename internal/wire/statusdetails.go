// This file holds the one list of the seven status details: their order on
// the wire, the names format 0 may prefix a line with, the keys of format 1,
// and the field of collectssl.StatusDetails each one fills. It depends on
// nothing else in this package, so that it can move as a whole.

package wire

import "github.com/collectssl/collectssl"

// statusDetails are the seven status details in the order they are sent.
// name is how format 0 spells a detail (Layout.StatusDetailSep), key is its
// format 1 key: the two differ only for ovCallbackStatus, which format 1
// spells ovCallBackStatus with a capital B. field returns the detail's
// field in d.
var statusDetails = [7]struct {
	name, key string
	field     func(d *collectssl.StatusDetails) *collectssl.Progress
}{
	{"csrStatus", "csrStatus", func(d *collectssl.StatusDetails) *collectssl.Progress { return &d.CSR }},
	{"dcvStatus", "dcvStatus", func(d *collectssl.StatusDetails) *collectssl.Progress { return &d.DCV }},
	{"ovCallbackStatus", "ovCallBackStatus", func(d *collectssl.StatusDetails) *collectssl.Progress { return &d.OVCallback }},
	{"organizationValidationStatus", "organizationValidationStatus", func(d *collectssl.StatusDetails) *collectssl.Progress { return &d.OrganizationValidation }},
	{"freeDVUPStatus", "freeDVUPStatus", func(d *collectssl.StatusDetails) *collectssl.Progress { return &d.FreeDVUP }},
	{"evClickThroughStatus", "evClickThroughStatus", func(d *collectssl.StatusDetails) *collectssl.Progress { return &d.EVClickThrough }},
	{"brandValStatus", "brandValStatus", func(d *collectssl.StatusDetails) *collectssl.Progress { return &d.BrandValidation }},
}
