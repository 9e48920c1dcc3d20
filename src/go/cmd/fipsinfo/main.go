// Command fipsinfo hashes a fixed input and says whether Go's FIPS 140-3 mode is on: with
// fips set on its target, the module is inside and GODEBUG defaults to fips140=on.
package main

import (
	"crypto/fips140"
	"crypto/sha256"
	"fmt"
)

func main() {
	sum := sha256.Sum256([]byte("go-static"))
	fmt.Printf("fipsinfo: sha256=%x fips140=%v\n", sum[:8], fips140.Enabled())
}
