// Verify a Continuum webhook signature with Go's standard library only.
//
//	ok := VerifyWebhookSignature(rawBody, r.Header.Get("X-Continuum-Signature"),
//		r.Header.Get("X-Continuum-Timestamp"), secret, 300*time.Second, time.Now())
//
// Command line: go run verify_webhook.go <secret> <timestamp> <signature> < body
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// VerifyWebhookSignature reports whether signature (one or more "v1=<hex>" entries separated
// by spaces) signs "<timestamp>.<body>" with secret, and timestamp is within maxAge of now.
func VerifyWebhookSignature(body []byte, signature, timestamp, secret string, maxAge time.Duration, now time.Time) bool {
	if signature == "" || secret == "" {
		return false
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	age := now.Sub(time.Unix(ts, 0))
	if age > maxAge || age < -maxAge { // replay protection, both directions
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp + "."))
	mac.Write(body)
	expected := mac.Sum(nil)
	for _, entry := range strings.Split(signature, " ") {
		version, value, found := strings.Cut(entry, "=")
		if !found || version != "v1" {
			continue
		}
		given, err := hex.DecodeString(value)
		if err == nil && hmac.Equal(given, expected) {
			return true
		}
	}
	return false
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go run verify_webhook.go <secret> <timestamp> <signature> < body")
		os.Exit(2)
	}
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if VerifyWebhookSignature(body, os.Args[3], os.Args[2], os.Args[1], 300*time.Second, time.Now()) {
		fmt.Println("valid")
		return
	}
	fmt.Println("invalid")
	os.Exit(1)
}
