// This file holds the executed examples of the response side: ParseResponse
// on a responseFormat=0 and a responseFormat=1 body, and matching a status
// code with errors.Is and errors.As.

package collectssl_test

import (
	"errors"
	"fmt"

	"github.com/collectssl/collectssl"
)

func ExampleParseResponse_lines() {
	req := &collectssl.Request{
		OrderNumber:        "1234567",
		ShowValidityPeriod: true,
		ShowFQDN:           true,
		ShowExtStatus:      true,
	}
	body := []byte("1\n14/03/2025 14/03/2026\nwww.example.com\nIssued\nComplete\n")
	r, err := collectssl.ParseResponse(req, "text/plain", body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Status)
	fmt.Println(r.NotBefore, "to", r.NotAfter)
	fmt.Println(r.FQDN, "-", r.CertificateStatus, "-", r.ValidationStatus)
	// Output:
	// available
	// 2025-03-14 00:00:00 +0000 UTC to 2026-03-14 23:59:59 +0000 UTC
	// www.example.com - Issued - Complete
}

func ExampleParseResponse_urlEncoded() {
	req := &collectssl.Request{
		OrderNumber:          "1234567",
		ResponseFormat:       collectssl.FormatURLEncoded,
		ShowMDCDomainDetails: true,
		ShowStatusDetails:    true,
	}
	body := []byte("errorCode=0&mdcDomainDetails=example.com+VALIDATED%2C+www.example.com+NOTVALIDATED" +
		"&csrStatus=1&dcvStatus=2&ovCallBackStatus=-1&organizationValidationStatus=-1" +
		"&freeDVUPStatus=-1&evClickThroughStatus=-1&brandValStatus=-1&orderNumber=1234567")
	r, err := collectssl.ParseResponse(req, "application/x-www-form-urlencoded", body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Status)
	for _, d := range r.MDCDomainDetails {
		fmt.Println(d.Domain, d.Status)
	}
	fmt.Println("DCV in progress:", r.StatusDetails.DCV == collectssl.ProgressInProgress)
	fmt.Println("kept:", r.Extra.Get("orderNumber"))
	// Output:
	// processing
	// example.com VALIDATED
	// www.example.com NOTVALIDATED
	// DCV in progress: true
	// kept: 1234567
}

func ExampleStatusError() {
	req := &collectssl.Request{OrderNumber: "1234567", QueryType: collectssl.QueryCertificateAndChain}
	for _, body := range []string{
		"-20\nThe certificate request has been rejected!\n",
		"-3\nThe 'orderNumber' argument is missing!\n",
		"-26\nThe certificate is being issued\n",
	} {
		_, err := collectssl.ParseResponse(req, "text/plain", []byte(body))
		var se *collectssl.StatusError
		switch {
		case errors.Is(err, collectssl.ErrRejected):
			fmt.Println("rejected:", err)
		case errors.As(err, &se) && se.Argument != "":
			fmt.Printf("code %d about %q\n", se.Code, se.Argument)
		case errors.As(err, &se):
			fmt.Printf("code %d (%v): %s\n", se.Code, se.Code, se.Message)
		}
	}
	// Output:
	// rejected: collectssl: status -20 (rejected): "The certificate request has been rejected!"
	// code -3 about "orderNumber"
	// code -26 (status(-26)): The certificate is being issued
}
