package main

import (
	"fmt"

	"github.com/openbinlog/tidb-binlog/pkg/version"
)

func main() { fmt.Println(version.Info()) }
