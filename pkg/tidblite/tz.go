package tidblite

import (
	"fmt"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
)

// sessionLocation returns the session's time_zone (TIMESTAMP values are
// written in it and stored in UTC); SYSTEM and unknown names are the
// server's local zone.
func sessionLocation(ctx *sql.Context) *time.Location {
	v, err := ctx.GetSessionVariable(ctx, "time_zone")
	if err != nil {
		return time.Local
	}
	s, _ := v.(string)
	loc, err := parseTimeZone(s)
	if err != nil {
		return time.Local
	}
	return loc
}

// parseTimeZone parses a MySQL time_zone value: SYSTEM, "+HH:MM", "-HH:MM"
// or an IANA name.
func parseTimeZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "SYSTEM") {
		return time.Local, nil
	}
	if s[0] == '+' || s[0] == '-' {
		var h, m int
		if _, err := fmt.Sscanf(s[1:], "%d:%d", &h, &m); err != nil {
			return nil, fmt.Errorf("parse time zone %q: %w", s, err)
		}
		off := h*3600 + m*60
		if s[0] == '-' {
			off = -off
		}
		if off == 0 {
			return time.UTC, nil
		}
		return time.FixedZone(s, off), nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("parse time zone %q: %w", s, err)
	}
	return loc, nil
}
