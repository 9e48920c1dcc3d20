// zstd links github.com/DataDog/zstd, which bundles zstd's C sources: real third-party C code that
// is clean under both C libraries (no NSS, no dlopen), so it builds with musl and with glibc.
package main

import (
	"bytes"
	"fmt"

	"github.com/DataDog/zstd"

	"example.com/monorepo/internal/greet"
)

func main() {
	input := bytes.Repeat([]byte("static binaries compress well. "), 64)
	packed, err := zstd.Compress(nil, input)
	if err != nil {
		panic(err)
	}
	unpacked, err := zstd.Decompress(nil, packed)
	if err != nil || !bytes.Equal(unpacked, input) {
		panic(fmt.Sprintf("round trip failed: %v", err))
	}
	fmt.Println(greet.Line("zstd", fmt.Sprintf("%d bytes -> %d and back", len(input), len(packed))))
}
