//go:build !unix

package ristretto255

// cpuNanos is not measured on this platform.
func cpuNanos() int64 { return 0 }
