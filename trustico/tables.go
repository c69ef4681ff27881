// This file holds the vendor overview's tables as data, each in one place: the
// error codes (and their sentinels), the order statuses, the product codes and
// their properties, and the seventeen methods with the mode they work in and
// their path (confirmed for eight of them, by convention for the rest).

package trustico

import (
	"net/http"
	"strings"
)

// ErrorCode is one row of the overview's error code table.
type ErrorCode struct {
	Code    int
	Meaning string // as the overview words it
	Err     error  // the sentinel an *Error of this code matches
}

// ErrorCodes is the overview's error code table, in order. 1013 to 1015 are
// not documented anywhere.
var ErrorCodes = []ErrorCode{
	{1001, "Wrong value in field or validation fails", ErrInvalidValue},
	{1002, "Error occurred during function execution. (ex.: parsing a CSR fails)", ErrExecution},
	{1003, "Not found. i.e. Order not found", ErrNotFound},
	{1004, "API is disabled for reseller account", ErrAPIDisabled},
	{1005, "User request limit reached", ErrRequestLimit},
	{1006, "Method is not allowed in TEST mode", ErrNotAllowedInTestMode},
	{1007, "API does not support GET method", ErrGETNotSupported},
	{1008, "Certificate not generated", ErrCertificateNotGenerated},
	{1009, "Certificate not found", ErrCertificateNotFound},
	{1010, "Order not processed yet. Once your Order has been processed, you will be able to use this method.", ErrOrderNotProcessed},
	{1011, "Validation method must be file based", ErrFileValidationRequired},
	{1012, "Validation method must be DNS based", ErrDNSValidationRequired},
	{1016, "Coupon Code Not Applicable (Invalid or not available for product)", ErrCouponNotApplicable},
}

// sentinel returns the sentinel of a documented code, or nil.
func sentinel(code int) error {
	for _, c := range ErrorCodes {
		if c.Code == code {
			return c.Err
		}
	}
	return nil
}

// OrderStatus is an order's status as the API words it.
type OrderStatus string

// The order statuses of the overview. TEST-mode orders are always
// StatusUnpaid.
const (
	StatusUnpaid     OrderStatus = "Unpaid"     // order payment is pending
	StatusPaid       OrderStatus = "Paid"       // order payment is received
	StatusProcessing OrderStatus = "Processing" // order is submitted for processing
	StatusCancelled  OrderStatus = "Cancelled"  // order is cancelled
	StatusCompleted  OrderStatus = "Completed"  // order is completed
	StatusQueued     OrderStatus = "Queued"     // an error occurred while processing the order
	StatusRefunded   OrderStatus = "Refunded"   // order amount is refunded
	// StatusPartiallyPaid is spelled "Partially paid" in the overview and
	// "Partially Paid" on the GetOrderStatus page; which one the server
	// sends is not confirmed. ParseOrderStatus reads both.
	StatusPartiallyPaid OrderStatus = "Partially paid"
)

// OrderStatuses lists every documented status, in the overview's order.
var OrderStatuses = []OrderStatus{
	StatusUnpaid, StatusPaid, StatusProcessing, StatusCancelled,
	StatusCompleted, StatusQueued, StatusRefunded, StatusPartiallyPaid,
}

// ParseOrderStatus returns the documented status s names, ignoring case and
// surrounding space (so "Partially Paid" is StatusPartiallyPaid), and false
// when s is none of them.
func ParseOrderStatus(s string) (OrderStatus, bool) {
	s = strings.TrimSpace(s)
	for _, st := range OrderStatuses {
		if strings.EqualFold(s, string(st)) {
			return st, true
		}
	}
	return OrderStatus(s), false
}

// Product is one row of the overview's product table.
type Product struct {
	Code       int
	Name       string
	Brand      string
	Validation string // "DV", "OV" or "EV" as the table says (see Products)
	// MinMonths and MaxMonths are the validity column: 12-24, or 1 for
	// the free trial.
	MinMonths, MaxMonths int
	// Reissuance is the "Re- Issuance" column as published: "YES" or
	// "NO(included)" (what the column means is not explained).
	Reissuance       string
	MultipleApprover bool
	Licences         string // "UNLIMITED" for every product
	FreeSANs         int    // "YES(2 FREE)" is 2; "NO" is 0
	SANPack          bool
	MaxSANIndividual int  // "YES(MAX 248)" is 248; "NO" is 0
	SANWildcard      bool // "SAN WildCard"
}

// Products is the overview's product table, as published. The table types
// 1045, 1046 and 1047 (Trustico OV, EV and EV MultiDomain) as DV, probably a
// vendor typo: kept as published, not relied upon.
var Products = []Product{
	{1020, "Comodo SSL", "Comodo®", "DV", 12, 24, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1021, "Comodo SSL Wildcard", "Comodo®", "DV", 12, 24, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1022, "Comodo SSL MultiDomain", "Comodo®", "DV", 12, 24, "YES", true, "UNLIMITED", 2, false, 248, true},
	{1023, "PositiveSSL", "PositiveSSL", "DV", 12, 24, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1024, "PositiveSSL Wildcard", "PositiveSSL", "DV", 12, 24, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1025, "PositiveSSL MultiDomain", "PositiveSSL", "DV", 12, 24, "NO(included)", true, "UNLIMITED", 2, false, 248, true},
	{1026, "InstantSSL", "InstantSSL", "OV", 12, 24, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1027, "PremiumSSL Wildcard", "PremiumSSL", "OV", 12, 24, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1028, "PremiumSSL MultiDomain", "PremiumSSL", "OV", 12, 24, "NO(included)", true, "UNLIMITED", 2, false, 248, false},
	{1029, "Comodo EV SSL", "Comodo®", "EV", 12, 24, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1030, "Comodo EV SSL MultiDomain", "Comodo®", "EV", 12, 24, "NO(included)", true, "UNLIMITED", 2, false, 248, false},
	{1041, "Comodo Free Trial SSL", "Comodo®", "EV", 1, 1, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1042, "Trustico Single Site", "Trustico®", "DV", 12, 24, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1043, "Trustico MultiDomain", "Trustico®", "DV", 12, 24, "NO(included)", true, "UNLIMITED", 2, false, 248, true},
	{1044, "Trustico WildCard", "Trustico®", "DV", 12, 24, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1045, "Trustico OV", "Trustico®", "DV", 12, 24, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1046, "Trustico EV", "Trustico®", "DV", 12, 24, "NO(included)", false, "UNLIMITED", 0, false, 0, false},
	{1047, "Trustico EV MultiDomain", "Trustico®", "DV", 12, 24, "NO(included)", true, "UNLIMITED", 2, false, 248, false},
}

// LookupProduct returns the product with the given code.
func LookupProduct(code int) (Product, bool) {
	for _, p := range Products {
		if p.Code == code {
			return p, true
		}
	}
	return Product{}, false
}

// Method is one of the seventeen methods the overview lists.
type Method struct {
	Name string
	// Path is the path the Client posts to. It is confirmed by the
	// method's documentation page when PathConfirmed; otherwise it follows
	// the convention of the confirmed ones, "/order/" and the name in lower
	// case (an ASSUMPTION).
	Path          string
	PathConfirmed bool
	// TestMode: the method works in TEST mode. Every method works in LIVE
	// mode; one that does not work in TEST mode answers error 1006 there.
	TestMode bool
	// Typed: the request and response are both confirmed and the Client
	// has a typed method for it. Partial: the path is confirmed and the
	// request in part; the Client has a typed method taking extra fields.
	// Neither: use Client.Call.
	Typed, Partial bool
}

// Methods lists the overview's methods in its order, with what is known of
// each (the allowance table of the overview; the paths of the documentation
// pages).
var Methods = []Method{
	{Name: "Hello", Path: "/order/hello", TestMode: true},
	{Name: "ParseCSR", Path: "/order/parsecsr", TestMode: true},
	{Name: "GetOrderStatus", Path: "/order/getorderstatus", PathConfirmed: true, TestMode: true, Partial: true},
	{Name: "ResendEmail", Path: "/order/resendemail", PathConfirmed: true, Typed: true},
	{Name: "ChangeApproverEmail", Path: "/order/changeapproveremail"},
	{Name: "Reissue", Path: "/order/reissueorder", PathConfirmed: true, Partial: true},
	{Name: "GetUserAgreement", Path: "/order/getuseragreement", PathConfirmed: true, TestMode: true, Typed: true},
	{Name: "GetApproverList", Path: "/order/getapproverlist", TestMode: true},
	{Name: "PlaceOrder", Path: "/order/placeorder", PathConfirmed: true, TestMode: true, Partial: true},
	{Name: "GetBalance", Path: "/order/getbalance", PathConfirmed: true, TestMode: true, Typed: true},
	{Name: "GetProductPrice", Path: "/order/getproductprice", PathConfirmed: true, TestMode: true, Typed: true},
	{Name: "MarkAsRefunded", Path: "/order/markasrefunded", TestMode: true},
	{Name: "CancelOrder", Path: "/order/cancelorder"},
	{Name: "GetCertificate", Path: "/order/getcertificate", TestMode: true},
	{Name: "GetCA", Path: "/order/getca", TestMode: true},
	{Name: "GetOrderDetails", Path: "/order/getorderdetails", PathConfirmed: true, TestMode: true, Typed: true},
	{Name: "GetCertificateCA", Path: "/order/getcertificateca", TestMode: true},
}

// LookupMethod returns the method of the given name, ignoring case.
func LookupMethod(name string) (Method, bool) {
	for _, m := range Methods {
		if strings.EqualFold(m.Name, name) {
			return m, true
		}
	}
	return Method{}, false
}

// MethodPath is the path Client.Call posts method to: the documented path
// of a listed method (Reissue is "/order/reissueorder"), else "/order/" and
// the name in lower case, the convention every confirmed path but Reissue's
// follows (an ASSUMPTION for any method whose path is not confirmed). It
// returns "" for a name that is not a plain identifier (ASCII letters and
// digits).
func MethodPath(name string) string {
	if name == "" || len(name) > 64 {
		return ""
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return ""
		}
	}
	if m, ok := LookupMethod(name); ok {
		return m.Path
	}
	return "/order/" + strings.ToLower(name)
}

func httpStatusText(code int) string { return http.StatusText(code) }
