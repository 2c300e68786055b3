package prototest

// CheckFields compares generated protobuf descriptors with the field tables of
// SPEC.md, so that a renumbered or retyped field fails a test.

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Field is one row of a message's field table: number, name, kind and
// cardinality as the original .proto declares them.
type Field struct {
	Number int
	Name   string
	Kind   protoreflect.Kind
	Card   protoreflect.Cardinality
}

// CheckFields fails t unless md has exactly the fields of want.
func CheckFields(t testing.TB, md protoreflect.MessageDescriptor, want []Field) {
	t.Helper()
	fields := md.Fields()
	if fields.Len() != len(want) {
		t.Errorf("%s: %d fields, want %d", md.FullName(), fields.Len(), len(want))
	}
	for _, w := range want {
		f := fields.ByNumber(protoreflect.FieldNumber(w.Number))
		if f == nil {
			t.Errorf("%s: no field number %d (%s)", md.FullName(), w.Number, w.Name)
			continue
		}
		got := fmt.Sprintf("%s %v %v", f.Name(), f.Kind(), f.Cardinality())
		exp := fmt.Sprintf("%s %v %v", w.Name, w.Kind, w.Card)
		if got != exp {
			t.Errorf("%s field %d: got %s, want %s", md.FullName(), w.Number, got, exp)
		}
		if f.IsPacked() {
			t.Errorf("%s field %d is packed; the original writes it unpacked", md.FullName(), w.Number)
		}
	}
}

// F builds a Field row.
func F(number int, name string, kind protoreflect.Kind, card protoreflect.Cardinality) Field {
	return Field{Number: number, Name: name, Kind: kind, Card: card}
}
