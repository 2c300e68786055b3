package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat; it
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// processCPU returns the user+system CPU time a process has used so far, or
// 0 when it cannot be read (not Linux, or the process is gone).
func processCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count fields after ')'.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// selfCPU returns the CPU time this process (the load generator) has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSample is the CPU time used by each process of a cell at one moment.
type cpuSample struct{ pump, pd, client time.Duration }

func sampleCPU(c *cluster) cpuSample {
	return cpuSample{pump: processCPU(c.pump.Pid()), pd: processCPU(c.pd.Pid()), client: selfCPU()}
}

// perBinlog returns the CPU microseconds each process spent per binlog
// written between two samples.
func (s cpuSample) perBinlog(end cpuSample, binlogs int64) (pump, pd, client float64) {
	if binlogs == 0 {
		return 0, 0, 0
	}
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(binlogs) }
	return us(end.pump - s.pump), us(end.pd - s.pd), us(end.client - s.client)
}
