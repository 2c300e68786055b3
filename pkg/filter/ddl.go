package filter

import "strings"

// DDLEventType classifies a DDL statement by its leading keywords (the
// event the tidb-tools parser-based classification gives): CREATE/DROP/
// ALTER DATABASE (or SCHEMA), CREATE/DROP/ALTER/TRUNCATE/RENAME TABLE,
// CREATE/DROP INDEX, CREATE/DROP VIEW. Anything else is NullEvent. Leading
// comments and a leading `use db;` are skipped.
func DDLEventType(query string) EventType {
	words := leadingWords(query, 12)
	if len(words) > 0 && words[0] == "USE" {
		if i := strings.IndexByte(query, ';'); i >= 0 {
			words = leadingWords(query[i+1:], 12)
		}
	}
	if len(words) < 1 {
		return NullEvent
	}
	rest := words[1:]
	switch words[0] {
	case "CREATE":
		return createEvent(rest)
	case "DROP":
		return pick(skip(rest, "TEMPORARY"), map[string]EventType{
			"TABLE": DropTable, "TABLES": DropTable, "DATABASE": DropDatabase, "SCHEMA": DropDatabase,
			"INDEX": DropIndex, "VIEW": DropView,
		})
	case "ALTER":
		return pick(skip(rest, "ONLINE", "OFFLINE", "IGNORE"), map[string]EventType{
			"TABLE": AlterTable, "DATABASE": AlterDatabase, "SCHEMA": AlterDatabase,
		})
	case "TRUNCATE":
		return TruncateTable
	case "RENAME":
		return pick(rest, map[string]EventType{"TABLE": RenameTable, "TABLES": RenameTable})
	}
	return NullEvent
}

var createTargets = map[string]EventType{
	"TABLE": CreateTable, "DATABASE": CreateDatabase, "SCHEMA": CreateDatabase,
	"INDEX": CreateIndex, "VIEW": CreateView,
}

var createModifiers = map[string]bool{
	"OR": true, "REPLACE": true, "TEMPORARY": true, "GLOBAL": true, "UNIQUE": true,
	"FULLTEXT": true, "SPATIAL": true, "ALGORITHM": true, "UNDEFINED": true, "MERGE": true,
	"TEMPTABLE": true, "SQL": true, "SECURITY": true, "DEFINER": true, "INVOKER": true,
	"CURRENT_USER": true,
}

// createEvent finds the object of CREATE after its modifiers (OR REPLACE,
// ALGORITHM = x, DEFINER = user, SQL SECURITY y, UNIQUE, ...).
func createEvent(words []string) EventType {
	afterDefiner := false
	for _, w := range words {
		if e, ok := createTargets[w]; ok {
			return e
		}
		switch {
		case w == "DEFINER":
			afterDefiner = true
		case createModifiers[w]:
			afterDefiner = false
		case !afterDefiner:
			return NullEvent
		}
	}
	return NullEvent
}

func skip(words []string, optional ...string) []string {
	for len(words) > 0 {
		found := false
		for _, o := range optional {
			if words[0] == o {
				found = true
			}
		}
		if !found {
			break
		}
		words = words[1:]
	}
	return words
}

func pick(words []string, events map[string]EventType) EventType {
	if len(words) == 0 {
		return NullEvent
	}
	return events[words[0]]
}

// leadingWords returns up to n upper-cased bare words of the query,
// skipping spaces, comments, quoted names and strings, and punctuation
// other than `;` (which ends the scan after the first word).
func leadingWords(q string, n int) []string {
	var words []string
	for i := 0; i < len(q) && len(words) < n; {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(q[i:], "/*"):
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return words
			}
			i += end + 4
		case strings.HasPrefix(q[i:], "-- ") || c == '#':
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				return words
			}
			i += end + 1
		case c == '`' || c == '\'' || c == '"':
			end := strings.IndexByte(q[i+1:], c)
			if end < 0 {
				return words
			}
			i += end + 2
		case c == ';' && len(words) > 0:
			return words
		case isWordByte(c):
			j := i
			for j < len(q) && isWordByte(q[j]) {
				j++
			}
			words = append(words, strings.ToUpper(q[i:j]))
			i = j
		default:
			i++
		}
	}
	return words
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '$'
}
