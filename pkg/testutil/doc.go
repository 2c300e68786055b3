// Package testutil holds small helpers shared by tests of several packages.
// Production code never imports it.
package testutil
