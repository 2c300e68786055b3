// Package prototest is a test helper for the proto packages: it checks
// generated descriptors against the field tables of SPEC.md, so that a
// renumbered, retyped or packed field fails a test.
package prototest
