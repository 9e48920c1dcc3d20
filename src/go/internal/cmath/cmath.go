// Package cmath is the sample's own cgo code: C that calls no dlopen and no NSS function.
package cmath

/*
#include <stdio.h>

static int multiply(int a, int b) { return a * b; }

static int describe(char *buf, int len, int a, int b) {
	return snprintf(buf, len, "%d*%d=%d computed in C", a, b, multiply(a, b));
}
*/
import "C"

import "unsafe"

// Describe multiplies in C and returns C's own description of the result.
func Describe(a, b int) string {
	buf := make([]byte, 64)
	n := C.describe((*C.char)(unsafe.Pointer(&buf[0])), C.int(len(buf)), C.int(a), C.int(b))
	return string(buf[:n])
}
