// Command printversion prints version.Info; the tests of pkg/version build it
// with -ldflags to prove that the -X paths of the Makefile reach the variables.
package main
