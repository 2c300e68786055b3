package schema

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// allFrom reads the whole history from one TiDB. TiDB >= 6.3 serves it in
// pages, newest first: ?limit=N, then ?start_job_id=<last id - 1>&limit=N.
// An older TiDB ignores start_job_id (and may ignore limit); when an
// answer shows that, the history is read with a plain GET instead.
func (h *History) allFrom(ctx context.Context, base string) ([]*model.Job, error) {
	page, err := h.get(ctx, base, fmt.Sprintf("?limit=%d", h.pageSize))
	if err != nil {
		return nil, err
	}
	if len(page) > h.pageSize {
		return page, nil // the limit was ignored: this is everything
	}
	all := page
	for len(page) == h.pageSize {
		if !newestFirst(page) {
			return h.getWhole(ctx, base)
		}
		next := page[len(page)-1].ID - 1
		if next < 1 {
			break
		}
		page, err = h.get(ctx, base, fmt.Sprintf("?start_job_id=%d&limit=%d", next, h.pageSize))
		if err != nil {
			return nil, err
		}
		if len(page) > h.pageSize || !atMost(page, next) {
			return h.getWhole(ctx, base)
		}
		all = append(all, page...)
	}
	return all, nil
}

// jobFrom asks one TiDB for a job: ?start_job_id=ID&limit=1 is the job
// itself on TiDB >= 6.3, or the newest older job when it is not in the
// history yet. An older TiDB answers with the newest job; then the job is
// looked up in the plain history.
func (h *History) jobFrom(ctx context.Context, base string, id int64) (*model.Job, error) {
	rctx, cancel := context.WithTimeout(ctx, h.jobTimeout) // a hung TiDB must not hold the others back
	page, err := h.get(rctx, base, fmt.Sprintf("?start_job_id=%d&limit=1", id))
	cancel()
	if err != nil {
		return nil, err
	}
	if len(page) > 1 || (len(page) == 1 && page[0].ID > id) {
		if page, err = h.getWhole(ctx, base); err != nil {
			return nil, err
		}
	}
	for _, j := range page {
		if j.ID == id {
			return j, nil
		}
	}
	return nil, fmt.Errorf("%w: job %d", errJobNotFound, id)
}

// newestFirst reports whether the page is in strictly descending id order.
func newestFirst(page []*model.Job) bool {
	for i := 1; i < len(page); i++ {
		if page[i].ID >= page[i-1].ID {
			return false
		}
	}
	return true
}

func atMost(page []*model.Job, id int64) bool {
	for _, j := range page {
		if j.ID > id {
			return false
		}
	}
	return newestFirst(page)
}

// getWhole reads the history in one request, for a TiDB older than 6.3.
func (h *History) getWhole(ctx context.Context, base string) ([]*model.Job, error) {
	h.lg.Info("TiDB ignores start_job_id, reading the whole ddl history at once", zap.String("tidb", base))
	return h.get(ctx, base, "")
}
