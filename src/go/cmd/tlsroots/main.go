// tlsroots shows a FROM scratch image ready for TLS with no CA files in the image: the fallback
// package embeds Mozilla's root set (pinned through go.sum), and crypto/x509 uses it only when
// the system has no roots of its own. Offline: it loads the pool and never dials.
package main

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"os"

	_ "golang.org/x/crypto/x509roots/fallback"

	"example.com/monorepo/internal/greet"
)

func main() {
	pool, err := x509.SystemCertPool()
	if err != nil {
		fmt.Println(greet.Line("tlsroots", "no root pool: "+err.Error()))
		os.Exit(1)
	}
	//lint:ignore SA1019 the pool was loaded from files or the fallback, so Subjects lists it
	subjects := pool.Subjects()
	letsEncrypt := false
	for _, s := range subjects {
		letsEncrypt = letsEncrypt || bytes.Contains(s, []byte("ISRG Root X1"))
	}
	fmt.Println(greet.Line("tlsroots", fmt.Sprintf(
		"%d trusted root CAs, ISRG Root X1 among them: %v", len(subjects), letsEncrypt)))
}
