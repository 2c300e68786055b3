// Package ratelog logs a failure that repeats (a full disk, a failed
// fdatasync that every later write reports again) without flooding the log:
// one line when the failures start, one when they stop, and in between a
// reminder at most once per period carrying the count.
package ratelog
