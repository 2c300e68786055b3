// Package security turns the [security] section shared by every binary
// (ssl-ca, ssl-cert, ssl-key, cert-allowed-cn) into a *tls.Config.
//
// TLS is enabled when ssl-ca is set. The same *tls.Config serves both ends:
// as a client it verifies the server against ssl-ca and presents ssl-cert;
// as a server it requires and verifies client certificates against ssl-ca,
// and, when cert-allowed-cn is not empty, accepts only the listed common names
// (the list is not applied to the servers this process dials).
//
// NewListener wraps a listener like tls.NewListener and logs every client
// refused during the handshake with its address and the reason, which the
// refused client alone would otherwise see (as "tls: bad certificate").
package security
