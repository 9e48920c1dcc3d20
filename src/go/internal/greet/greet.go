// Package greet is shared pure-Go code used by every sample binary.
package greet

import "fmt"

// Line formats the first line every sample prints: which binary, and what it demonstrates.
func Line(binary, what string) string {
	return fmt.Sprintf("%s: %s", binary, what)
}
