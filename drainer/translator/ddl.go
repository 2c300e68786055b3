package translator

import (
	"strings"
	"unicode"
)

// quoteName quotes an identifier with backticks.
func quoteName(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// fileSinkDDLQuery is the query the file sink records for a DDL: the DDL
// after `use `schema`;`, or, for CREATE DATABASE, the DDL alone, in both
// cases followed by ";" (TiDB's query already ends with one, hence ";;").
func fileSinkDDLQuery(schema, query string) string {
	if isCreateDatabase(query) {
		return query + ";"
	}
	return "use " + quoteName(schema) + "; " + query + ";"
}

// isCreateDatabase reports whether a DDL statement is CREATE DATABASE (or
// CREATE SCHEMA), skipping leading blanks and comments. The original parsed
// the statement with TiDB's parser; a keyword check gives the same answer
// for the statements TiDB writes into DDL binlogs.
func isCreateDatabase(query string) bool {
	s := skipBlanksAndComments(query)
	kw, s := nextWord(s)
	if !strings.EqualFold(kw, "CREATE") {
		return false
	}
	kw, _ = nextWord(skipBlanksAndComments(s))
	return strings.EqualFold(kw, "DATABASE") || strings.EqualFold(kw, "SCHEMA")
}

func nextWord(s string) (word, rest string) {
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '_' })
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// skipBlanksAndComments drops leading white space and /* */, -- and #
// comments. Executable comments (/*! ... */, /*T! ... */) are content and
// are not skipped.
func skipBlanksAndComments(s string) string {
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		switch {
		case strings.HasPrefix(s, "/*") && !strings.HasPrefix(s, "/*!") && !strings.HasPrefix(s, "/*T!"):
			end := strings.Index(s[2:], "*/")
			if end < 0 {
				return ""
			}
			s = s[2+end+2:]
		case strings.HasPrefix(s, "-- "), strings.HasPrefix(s, "#"):
			end := strings.IndexByte(s, '\n')
			if end < 0 {
				return ""
			}
			s = s[end+1:]
		default:
			return s
		}
	}
}
