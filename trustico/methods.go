// This file holds the typed methods and their request and result types: the
// five whose request and response are confirmed (GetOrderDetails,
// GetBalance, GetProductPrice, GetUserAgreement, ResendEmail) and the three
// whose request is confirmed in part (GetOrderStatus, PlaceOrder, Reissue),
// which take further fields in Extra and keep the whole answer in Fields.

package trustico

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
)

// orderReference is the request of the methods that take only an order
// (GetOrderDetails).
type orderReference struct {
	OrderReference int `json:"OrderReference"`
}

// GetOrderDetails returns an order's certificate, its intermediates, dates
// and certificate status (POST /order/getorderdetails; request and response
// CONFIRMED). It works in TEST and LIVE mode. The certificate fields are
// empty until the certificate is issued.
func (c *Client) GetOrderDetails(ctx context.Context, orderReference int) (*OrderDetails, error) {
	var out OrderDetails
	if err := c.callTyped(ctx, "GetOrderDetails", orderReferenceReq(orderReference), nil, &out); err != nil {
		return nil, err
	}
	out.parseDates()
	return &out, nil
}

func orderReferenceReq(ref int) orderReference { return orderReference{OrderReference: ref} }

// Balance is GetBalance's answer. The amounts are strings with a currency
// symbol, as the API sends them (CONFIRMED), not numbers.
type Balance struct {
	Envelope
	CurrentBalance string `json:"CurrentBalance"`
	// DueAmount is the field the API spells "DueAmmount".
	DueAmount      string `json:"DueAmmount"`
	OverdraftLimit string `json:"OverdraftLimit"`
}

// GetBalance returns the reseller account's balance (POST /order/getbalance
// with Type 1, the one documented value; CONFIRMED). TEST and LIVE mode.
func (c *Client) GetBalance(ctx context.Context) (*Balance, error) {
	var out Balance
	if err := c.callTyped(ctx, "GetBalance", struct {
		Type int `json:"Type"`
	}{1}, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Attribute says whether an order is new or a renewal.
type Attribute string

// The two documented attributes.
const (
	AttributeNew   Attribute = "N"
	AttributeRenew Attribute = "R"
)

// ProductPriceRequest is GetProductPrice's request (CONFIRMED).
type ProductPriceRequest struct {
	ProductCode    int       `json:"ProductCode"`    // see Products
	ValidityPeriod int       `json:"ValidityPeriod"` // months
	Attribute      Attribute `json:"Attribute"`
	// Country is an ISO 3166 alpha-2 code, case-sensitive; "" (sent as
	// such) for the general price, a code such as "JP" for a
	// country-specific one.
	Country string `json:"Country"`
}

// ProductPrice is GetProductPrice's answer: prices are strings with a
// currency symbol (CONFIRMED).
type ProductPrice struct {
	Envelope
	ProductPrice               string `json:"ProductPrice"`
	SANPackPrice               string `json:"SANPackPrice"`
	SANIndividualPrice         string `json:"SANIndividualPrice"`
	SANIndividualWildcardPrice string `json:"SANIndividualWildcardPrice"`
}

// GetProductPrice returns a product's price (POST /order/getproductprice;
// CONFIRMED). TEST and LIVE mode.
func (c *Client) GetProductPrice(ctx context.Context, req ProductPriceRequest) (*ProductPrice, error) {
	var out ProductPrice
	if err := c.callTyped(ctx, "GetProductPrice", req, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UserAgreement is GetUserAgreement's answer (CONFIRMED).
type UserAgreement struct {
	Envelope
	Agreement string `json:"Agreement"`
}

// GetUserAgreement returns a product's subscriber agreement (POST
// /order/getuseragreement; CONFIRMED). TEST and LIVE mode.
func (c *Client) GetUserAgreement(ctx context.Context, productCode int) (*UserAgreement, error) {
	var out UserAgreement
	if err := c.callTyped(ctx, "GetUserAgreement", struct {
		ProductCode int `json:"ProductCode"`
	}{productCode}, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// EmailType is which e-mail ResendEmail sends again.
type EmailType string

// The two documented e-mail types.
const (
	// EmailApprover: the approver e-mail, only while the order is
	// Processing.
	EmailApprover EmailType = "Approver"
	// EmailFulfillment: the e-mail with the certificate, only once the
	// certificate is active and the supplier's status completed.
	EmailFulfillment EmailType = "Fulfillment"
)

// Result is the answer of a method that returns nothing but the envelope
// (ResendEmail, and Call when only success matters).
type Result struct {
	Envelope
}

// ResendEmail sends an order's approver or fulfillment e-mail again (POST
// /order/resendemail; CONFIRMED). LIVE mode only: in TEST mode it fails with
// error 1006 (ErrNotAllowedInTestMode).
func (c *Client) ResendEmail(ctx context.Context, orderReference int, emailType EmailType) (*Result, error) {
	var out Result
	if err := c.callTyped(ctx, "ResendEmail", struct {
		OrderReference int       `json:"OrderReference"`
		EmailType      EmailType `json:"EmailType"`
	}{orderReference, emailType}, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// OrderStatusRequest is GetOrderStatus's request, PARTIAL: its page is cut
// short. OrderReference is the one field that makes sense for the method;
// the others are printed on the page as they are on PlaceOrder's and look
// copied from it, so they are sent only when set. Extra holds further
// fields, sent as given; a field both typed and in Extra is refused.
type OrderStatusRequest struct {
	OrderReference        int            `json:"OrderReference"`
	PrimaryDomain         string         `json:"PrimaryDomain,omitempty"`
	PrimaryDomainApprover string         `json:"PrimaryDomainApprover,omitempty"`
	FreeSan               string         `json:"FreeSan,omitempty"`
	FreeSanApprover       string         `json:"FreeSanApprover,omitempty"`
	SANPack               string         `json:"SANPack,omitempty"`
	SANPackApprover       string         `json:"SANPackApprover,omitempty"`
	Extra                 map[string]any `json:"-"`
}

// OrderStatusResult is GetOrderStatus's answer. Its fields are not
// documented: Envelope.Fields holds all of them, and Status reads the
// status.
type OrderStatusResult struct {
	Envelope
}

// Status returns the order status of the answer: the string field named
// OrderStatus or, failing that, Status (either spelling ASSUMED; the key is
// not documented), and whether it is one of OrderStatuses. It returns "" and
// false when neither field is a string.
func (r *OrderStatusResult) Status() (OrderStatus, bool) {
	for _, key := range []string{"OrderStatus", "Status"} {
		for _, raw := range lookup(r.Fields, key) {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				return ParseOrderStatus(s)
			}
		}
	}
	return "", false
}

// GetOrderStatus returns an order's status (POST /order/getorderstatus;
// PARTIAL: the request in part, the response not at all). TEST and LIVE
// mode; a TEST-mode order is always Unpaid.
func (c *Client) GetOrderStatus(ctx context.Context, req OrderStatusRequest) (*OrderStatusResult, error) {
	var out OrderStatusResult
	if err := c.callTyped(ctx, "GetOrderStatus", req, req.Extra, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PlaceOrderRequest is PlaceOrder's request, PARTIAL: the page is cut short
// after AdminState, so the postcode, country, technical contact, CSR,
// domains, approvers, validation method and coupon go in Extra under names
// the caller must know. Fields without omitempty are required. Names and
// types are as printed, AdminLAstName's odd capital included (the real key is
// unconfirmed) and ProductCode a string here where other pages make it an
// integer.
type PlaceOrderRequest struct {
	ProductCode       string    `json:"ProductCode"`
	Attribute         Attribute `json:"Attribute"`
	ValidityPeriod    int       `json:"ValidityPeriod"` // months: 1, 12, 24
	ServerCount       int       `json:"ServerCount"`
	Insurance         int       `json:"Insurance"`  // 1 or 0
	AdminTitle        string    `json:"AdminTitle"` // Mrs, Mr, Miss, Ms, Dr, Rev
	AdminFirstName    string    `json:"AdminFirstName"`
	AdminLastName     string    `json:"AdminLAstName"`
	AdminOrganization string    `json:"AdminOrganization"`
	AdminTaxID        string    `json:"AdminTaxID,omitempty"`
	AdminRole         string    `json:"AdminRole"` // e.g. "Business Owner", "Website Owner"
	AdminEmail        string    `json:"AdminEmail"`
	AdminPhoneCC      int       `json:"AdminPhoneCC"`
	AdminPhoneN       int64     `json:"AdminPhoneN"`
	AdminAddress1     string    `json:"AdminAddress1"`
	AdminAddress2     string    `json:"AdminAddress2,omitempty"`
	AdminCity         string    `json:"AdminCity"`
	AdminState        string    `json:"AdminState"`

	Extra map[string]any `json:"-"`
}

// PlaceOrderResult is PlaceOrder's answer; its fields are not documented,
// Envelope.Fields holds all of them.
type PlaceOrderResult struct {
	Envelope
}

// OrderReference returns the new order's reference: the field named
// OrderReference (ASSUMED: the answer is not documented, this is the name
// every documented request uses), a number or a string of digits.
func (r *PlaceOrderResult) OrderReference() (int, bool) {
	for _, raw := range lookup(r.Fields, "OrderReference") {
		var n int
		if json.Unmarshal(raw, &n) == nil {
			return n, true
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				return n, true
			}
		}
	}
	return 0, false
}

// PlaceOrder places a new order or a renewal (POST /order/placeorder;
// PARTIAL). It spends money in LIVE mode and is never retried. In TEST mode
// the order is created but stays Unpaid and never reaches Sectigo.
func (c *Client) PlaceOrder(ctx context.Context, req PlaceOrderRequest) (*PlaceOrderResult, error) {
	var out PlaceOrderResult
	if err := c.callTyped(ctx, "PlaceOrder", req, req.Extra, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReissueRequest is Reissue's request, PARTIAL: the page is cut short, so
// the CSR, approver and validation fields go in Extra. Every field is
// printed as optional, OrderReference included (which looks like an error
// of the page: it is always sent). SanPack is spelled so here and SANPack on
// another page; the real key is unconfirmed. Lists are comma-separated.
type ReissueRequest struct {
	OrderReference  int    `json:"OrderReference"`
	FreeSan         string `json:"FreeSan,omitempty"`
	FreeSanApprover string `json:"FreeSanApprover,omitempty"`
	SanPack         string `json:"SanPack,omitempty"`
	SANPackApprover string `json:"SANPackApprover,omitempty"`
	// SANIndividual holds the individual SANs, wildcard SANs included.
	SANIndividual string `json:"SANIndividual,omitempty"`

	Extra map[string]any `json:"-"`
}

// ReissueResult is Reissue's answer; its fields are not documented,
// Envelope.Fields holds all of them.
type ReissueResult struct {
	Envelope
}

// Reissue reissues an order's certificate, or adds and removes SANs (POST
// /order/reissueorder; PARTIAL). Paid SANs debit the balance; it is never
// retried. LIVE mode only: error 1006 in TEST mode.
func (c *Client) Reissue(ctx context.Context, req ReissueRequest) (*ReissueResult, error) {
	var out ReissueResult
	if err := c.callTyped(ctx, "Reissue", req, req.Extra, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// callTyped is Call for the typed methods, with their extra fields.
func (c *Client) callTyped(ctx context.Context, method string, in any, extra map[string]any, out any) error {
	body, err := encodeObject(in, extra)
	if err != nil {
		return err
	}
	return c.do(ctx, method, body, out)
}
