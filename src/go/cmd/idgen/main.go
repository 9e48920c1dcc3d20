// idgen depends on a downloaded, pure-Go module (github.com/google/uuid): scenario ⑥ with
// third-party code, fetched through the user's GOPROXY into the go_static module cache.
package main

import (
	"fmt"

	"github.com/google/uuid"

	"example.com/monorepo/internal/greet"
)

func main() {
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://example.com/monorepo"))
	fmt.Println(greet.Line("idgen", "uuid "+id.String()))
}
