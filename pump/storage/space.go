package storage

import (
	"time"

	"go.uber.org/zap"
)

// refreshSpace re-reads the free space and sets the stop-write flag.
func (a *Append) refreshSpace() {
	if capacity, _, err := diskSpace(a.dir); err == nil {
		a.m.spaceCapacity.Set(float64(capacity))
	}
	avail, err := a.opts.AvailableSpace()
	if err != nil {
		a.lg.Error("read available disk space failed", zap.Error(err))
		return
	}
	a.m.spaceAvailable.Set(float64(avail))
	limit := a.opts.StopWriteAtAvailableSpace
	full := limit > 0 && avail <= limit
	if full != a.noSpace.Load() {
		if full {
			a.lg.Error("available disk space is too low, rejecting binlog writes",
				zap.Uint64("available", avail), zap.Uint64("stopWriteAtAvailableSpace", limit))
		} else {
			a.lg.Info("available disk space recovered, accepting binlog writes", zap.Uint64("available", avail))
		}
	}
	a.noSpace.Store(full)
}

func (a *Append) spaceLoop() {
	defer a.bg.Done()
	t := time.NewTicker(a.knobs.spaceRefresh)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			a.refreshSpace()
		}
	}
}
