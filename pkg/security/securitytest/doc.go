// Package securitytest writes throw-away TLS material for tests: one CA per
// directory and, per common name, a certificate valid for both server and
// client authentication on 127.0.0.1, ::1 and localhost.
package securitytest
