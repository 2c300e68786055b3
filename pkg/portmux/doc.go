// Package portmux serves gRPC and HTTP (HTTP/1 and HTTP/2) on one TCP port,
// as the pump and the drainer do: cmux sends HTTP/2 connections whose
// content-type is application/grpc to the gRPC server, other HTTP/2
// connections (an HTTP client that negotiated h2 over TLS) and HTTP/1
// connections to the HTTP server.
//
// cmux's gRPC matcher answers a client's SETTINGS before it has seen the
// content-type; a connection that turns out not to be gRPC then carries the
// client's acknowledgement of a SETTINGS frame the HTTP server never sent.
// The HTTP/2 listener drops that first SETTINGS ACK (h2ack.go).
package portmux
