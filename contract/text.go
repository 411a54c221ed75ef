package contract

import "fmt"

// Headline is the verdict's first line as every surface prints it
// (docs/cli.md, "validate"): "valid: SPEC MATCHED", "invalid: SPEC MATCHED
// (N violations)" or "unchecked: SPEC MATCHED: REASON".
func (v Verdict) Headline() string {
	what := v.Spec
	if v.Matched != "" {
		what += " " + v.Matched
	}
	switch {
	case v.Unchecked != "":
		return fmt.Sprintf("unchecked: %s: %s", what, v.Unchecked)
	case v.Valid:
		return "valid: " + what
	}
	n := "violations"
	if len(v.Violations) == 1 {
		n = "violation"
	}
	return fmt.Sprintf("invalid: %s (%d %s)", what, len(v.Violations), n)
}

// Mark is the verdict's short form for a list row: "✓ contract",
// "✗ contract" with the count of violations, "? contract" when the body
// could not be checked.
func (v Verdict) Mark() string {
	switch {
	case v.Unchecked != "":
		return "? contract"
	case v.Valid:
		return "✓ contract"
	case len(v.Violations) > 1:
		return fmt.Sprintf("✗ contract (%d)", len(v.Violations))
	}
	return "✗ contract"
}
