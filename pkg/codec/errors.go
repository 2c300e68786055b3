package codec

import "errors"

// Sentinel errors. Decoders wrap them with the position and kind of value,
// match them with errors.Is.
var (
	// ErrInsufficientData means the input ended inside a value.
	ErrInsufficientData = errors.New("codec: insufficient bytes to decode value")
	// ErrInvalidFlag means a datum starts with an unknown flag byte.
	ErrInvalidFlag = errors.New("codec: invalid datum flag")
	// ErrCorrupted means the bytes cannot be a valid encoding.
	ErrCorrupted = errors.New("codec: corrupted data")
	// ErrOverflow means a value does not fit the requested type or precision.
	ErrOverflow = errors.New("codec: value out of range")
	// ErrBadNumber means a decimal or number literal could not be parsed.
	ErrBadNumber = errors.New("codec: bad number")
	// ErrInvalidJSON means JSON text or binary JSON is invalid.
	ErrInvalidJSON = errors.New("codec: invalid json")
	// ErrInvalidTime means a date, time or duration is invalid.
	ErrInvalidTime = errors.New("codec: invalid time value")
	// ErrInvalidKey means a key is not a TiDB row or index key.
	ErrInvalidKey = errors.New("codec: invalid key")
	// ErrNeedColumnTypes means a row in format v2 was decoded without column types.
	ErrNeedColumnTypes = errors.New("codec: row format v2 needs column types")
	// ErrUnsupportedKind means a datum kind cannot be encoded in that form.
	ErrUnsupportedKind = errors.New("codec: unsupported datum kind")
)
