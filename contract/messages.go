package contract

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pb33f/jsonschema/v6"
	"github.com/pb33f/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

type (
	oneOfKind = kind.OneOf
	anyOfKind = kind.AnyOf
)

var printer = message.NewPrinter(language.English)

// leaf turns one failed keyword into violations. The common kinds get a
// sentence that reads as a contract ("expected integer, got string");
// the others keep the validator's wording. A missing or unexpected
// property is reported at its own pointer, so the body viewer can find
// the key (or where it should be).
func leaf(e *jsonschema.ValidationError) []Violation {
	at := Pointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		return []Violation{{at, fmt.Sprintf("expected %s, got %s", strings.Join(k.Want, " or "), k.Got)}}
	case *kind.Required:
		out := make([]Violation, 0, len(k.Missing))
		for _, m := range k.Missing {
			out = append(out, Violation{Pointer(append(append([]string(nil), e.InstanceLocation...), m)), "required, missing"})
		}
		return out
	case *kind.AdditionalProperties:
		out := make([]Violation, 0, len(k.Properties))
		for _, p := range k.Properties {
			out = append(out, Violation{Pointer(append(append([]string(nil), e.InstanceLocation...), p)), "not allowed by the schema (additionalProperties)"})
		}
		return out
	case *kind.Const:
		return []Violation{{at, fmt.Sprintf("expected %s, got %s", short(k.Want), short(k.Got))}}
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = short(w)
		}
		return []Violation{{at, fmt.Sprintf("expected one of %s, got %s", strings.Join(want, ", "), short(k.Got))}}
	case *kind.FalseSchema:
		return []Violation{{at, "not allowed by the schema"}}
	}
	return []Violation{{at, e.ErrorKind.LocalizedString(printer)}}
}

// short renders a JSON value for a message, cut to a readable length.
func short(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
