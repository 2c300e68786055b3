package main

import "github.com/openbinlog/tidb-binlog/drainer"

// sinkOptions adds the sinks that live outside package drainer (file,
// kafka) to the server.
func sinkOptions() []drainer.Option {
	return nil
}
