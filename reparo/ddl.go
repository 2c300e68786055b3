package reparo

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadDDL is a DDL query whose database cannot be found.
var ErrBadDDL = errors.New("reparo: cannot parse DDL")

// DDLInfo is a file-sink DDL query taken apart: the statement as TiDB wrote
// it (without the drainer's "use `db`;" prefix and extra ';') and the
// database and table it changes.
type DDLInfo struct {
	Schema string
	Table  string
	SQL    string
}

// ParseDDL parses a file-sink DDL query, "use `db`; <ddl>;" or "<ddl>;"
// (CREATE DATABASE). The database comes from the statement's qualified name,
// else from the USE statement; a RENAME names the new table.
func ParseDDL(query string) (DDLInfo, error) {
	toks := tokenize(query)
	var info DDLInfo
	stmt := toks
	sql := query
	if len(toks) > 1 && toks[0].is("use") {
		info.Schema = toks[1].text
		stmt = toks[2:]
		if len(stmt) > 0 && stmt[0].punct(";") {
			stmt = stmt[1:]
		}
		sql = ""
		if len(stmt) > 0 {
			sql = query[stmt[0].pos:]
		}
	}
	sql = strings.TrimSpace(sql)
	// The file sink appended one ';' to TiDB's query.
	sql = strings.TrimSuffix(sql, ";")
	info.SQL = sql
	schema, table := ddlObject(stmt)
	if schema != "" {
		info.Schema = schema
	}
	info.Table = table
	if info.Schema == "" {
		return DDLInfo{}, fmt.Errorf("%w: no database in %q", ErrBadDDL, query)
	}
	return info, nil
}

// ddlObject finds the database and table a DDL statement changes.
func ddlObject(t tokens) (schema, table string) {
	t = t.skipWords("create", "or", "replace", "temporary", "global", "unique", "fulltext", "spatial")
	switch {
	case t.at(0, "database") || t.at(0, "schema"):
		t = t[1:].skipWords("if", "not", "exists")
		if len(t) > 0 {
			return t[0].text, ""
		}
		return "", ""
	case t.at(0, "table") || t.at(0, "view") || t.at(0, "sequence"):
		return qualifiedName(t[1:].skipWords("if", "not", "exists"))
	case t.at(0, "index"):
		for i := range t {
			if t[i].is("on") {
				return qualifiedName(t[i+1:])
			}
		}
		return "", ""
	}
	return ddlObjectOther(t)
}

// ddlObjectOther handles the statements that do not start with CREATE.
func ddlObjectOther(t tokens) (schema, table string) {
	if len(t) == 0 {
		return "", ""
	}
	verb := strings.ToLower(t[0].text)
	t = t[1:]
	switch verb {
	case "drop", "alter":
		t = t.skipWords("temporary", "online", "offline", "ignore")
		if t.at(0, "database") || t.at(0, "schema") {
			t = t[1:].skipWords("if", "exists")
			if len(t) > 0 && !t[0].quoted && isKeyword(t[0].text) {
				return "", ""
			}
			if len(t) > 0 {
				return t[0].text, ""
			}
			return "", ""
		}
		if t.at(0, "index") {
			return ddlObject(t)
		}
		if len(t) > 0 {
			return qualifiedName(t[1:].skipWords("if", "exists"))
		}
	case "truncate":
		return qualifiedName(t.skipWords("table"))
	case "rename":
		t = t.skipWords("table", "tables")
		for i := range t {
			if t[i].is("to") {
				return qualifiedName(t[i+1:])
			}
		}
	}
	return "", ""
}

// isKeyword reports words that follow ALTER DATABASE instead of a name.
func isKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "character", "charset", "collate", "default", "placement", "set":
		return true
	}
	return false
}

// qualifiedName reads "name" or "schema.name" at the front of t.
func qualifiedName(t tokens) (schema, table string) {
	if len(t) == 0 {
		return "", ""
	}
	if len(t) >= 3 && t[1].punct(".") {
		return t[0].text, t[2].text
	}
	return "", t[0].text
}

// token is a word, a quoted identifier or one punctuation character.
type token struct {
	text   string
	quoted bool
	pos    int
}

func (t token) is(word string) bool { return !t.quoted && strings.EqualFold(t.text, word) }
func (t token) punct(p string) bool { return !t.quoted && t.text == p }

type tokens []token

func (t tokens) at(i int, word string) bool { return i < len(t) && t[i].is(word) }

// skipWords drops leading tokens that are any of words.
func (t tokens) skipWords(words ...string) tokens {
	for len(t) > 0 {
		found := false
		for _, w := range words {
			if t[0].is(w) {
				found = true
				break
			}
		}
		if !found {
			return t
		}
		t = t[1:]
	}
	return t
}

// tokenize splits SQL into words, `quoted` identifiers and punctuation,
// dropping comments and string literals' quotes.
func tokenize(s string) tokens {
	var out tokens
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return out
			}
			i += end + 4
		case strings.HasPrefix(s[i:], "-- ") || c == '#':
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				return out
			}
			i += end
		case c == '`' || c == '\'' || c == '"':
			text, n := readQuoted(s[i:], c)
			out = append(out, token{text: text, quoted: c == '`', pos: i})
			i += n
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			out = append(out, token{text: s[i:j], pos: i})
			i = j
		default:
			out = append(out, token{text: s[i : i+1], pos: i})
			i++
		}
	}
	return out
}

// readQuoted reads a quoted string starting at s[0] == q, where a doubled
// quote stands for itself; it returns the content and the bytes consumed.
func readQuoted(s string, q byte) (string, int) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == '\\' && q != '`' && i+1 < len(s) {
			b.WriteByte(s[i+1])
			i++
			continue
		}
		if s[i] == q {
			if i+1 < len(s) && s[i+1] == q {
				b.WriteByte(q)
				i++
				continue
			}
			return b.String(), i + 1
		}
		b.WriteByte(s[i])
	}
	return b.String(), len(s)
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
