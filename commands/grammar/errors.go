package grammar

// Error is a mistake a person made in a /spuff line. Its text is shown to
// them verbatim; Hint, when set, is the closest valid form or the usage of
// the command.
type Error struct {
	Msg  string
	Hint string
}

func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + " — " + e.Hint
}
