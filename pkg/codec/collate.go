package codec

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CollationKey returns the sort key TiDB (with new collation enabled) writes
// into keys for text s in the given collation:
//
//   - "binary" (and ""): s unchanged;
//   - *_0900_bin: s unchanged;
//   - other *_bin collations: s without trailing spaces (PAD SPACE);
//   - utf8mb4_general_ci, utf8_general_ci and, as an approximation, every
//     other *_ci collation: trailing spaces removed, then one 2-byte
//     big-endian weight per character (see generalCIWeight).
func CollationKey(collation string, s []byte) []byte {
	c := strings.ToLower(collation)
	switch {
	case c == "" || c == "binary" || strings.HasSuffix(c, "_0900_bin"):
		return s
	case strings.HasSuffix(c, "_ci"):
		return generalCIKey(s)
	}
	return trimTrailingSpaces(s)
}

func trimTrailingSpaces(s []byte) []byte {
	n := len(s)
	for n > 0 && s[n-1] == ' ' {
		n--
	}
	return s[:n]
}

func generalCIKey(s []byte) []byte {
	s = trimTrailingSpaces(s)
	key := make([]byte, 0, len(s)*2)
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		s = s[size:]
		w := generalCIWeight(r)
		key = append(key, byte(w>>8), byte(w))
	}
	return key
}

// generalCIWeight returns the utf8mb4_general_ci weight of r. Outside the
// BMP the weight is 0xFFFD; outside the Unicode blocks MySQL folds (Latin,
// Greek, Cyrillic, Armenian, Latin/Greek extended, number forms, enclosed
// alphanumerics, fullwidth forms) it is r itself. Inside them it is the
// upper-case of the base letter (accents removed), limited to the case pairs
// MySQL's table knows. A few code points of later Unicode versions may
// differ from MySQL's table; ASCII, Latin-1, Latin Extended-A, Greek and
// Cyrillic are exact.
func generalCIWeight(r rune) uint16 {
	if r > 0xFFFF {
		return 0xFFFD
	}
	if !foldedBlock(r) {
		return uint16(r)
	}
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		return uint16(r)
	}
	switch r {
	case 0x00DF: // sharp s sorts as S
		return 'S'
	case 0x0419, 0x0439: // Cyrillic short I keeps its own weight
		return 0x0419
	case 0x03F2: // lunate sigma
		return 0x03A3
	case 0x03F5: // lunate epsilon has no upper-case in MySQL's table
		return 0x03F5
	}
	base := baseLetter(r)
	if up := unicode.ToUpper(base); up != base && foldTargetKnown(up) {
		return uint16(up)
	}
	return uint16(base)
}

// baseLetter returns r without its accents: the first character of its
// canonical decomposition, unless r is a singleton (its NFC form is another
// character) or the decomposition does not start with a letter.
func baseLetter(r rune) rune {
	s := string(r)
	if norm.NFC.String(s) != s {
		return r
	}
	d := norm.NFD.String(s)
	first, _ := utf8.DecodeRuneInString(d)
	if first == r || !unicode.IsLetter(first) || !foldedBlock(first) {
		return r
	}
	return first
}

func foldedBlock(r rune) bool {
	switch r >> 8 {
	case 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x1E, 0x1F, 0x21, 0x24, 0xFF:
		return true
	}
	return false
}

// foldTargetKnown reports whether an upper-case letter existed in the
// Unicode version MySQL's general_ci table was built from.
func foldTargetKnown(up rune) bool {
	if !foldedBlock(up) {
		return false
	}
	switch {
	case up == 0x0220, up >= 0x0234 && up <= 0x024F,
		up >= 0x0370 && up <= 0x0377, up == 0x037F, up == 0x03CF, up == 0x03D8,
		up >= 0x03F7 && up <= 0x03FF, up == 0x048A, up == 0x04C0, up == 0x04C5,
		up == 0x04C9, up == 0x04CD, up == 0x04F6, up >= 0x04FA && up <= 0x052F,
		up >= 0x1E9E && up <= 0x1E9F, up >= 0x1EFA && up <= 0x1EFF,
		up == 0x2132, up == 0x2183:
		return false
	}
	return true
}
