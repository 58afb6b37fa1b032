package schemas

// The files' two patterns, a timestamp and a UUID, are on most strings of
// a body, and regexp's general matcher cost a quarter of a check. These
// matchers say exactly what the patterns say (TestPatternMatchers and
// FuzzPatternMatchers hold them to regexp); any other pattern is matched
// by regexp.
var patternMatchers = map[string]func([]byte) bool{
	`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$`:                            isTimestamp,
	`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`: isUUID,
}

// isTimestamp: 2021-08-17T13:51:02Z, with 1 to 6 digits of a second after
// a dot before the Z.
func isTimestamp(b []byte) bool {
	const layout = "dddd-dd-ddTdd:dd:dd"
	if len(b) < len(layout)+1 || b[len(b)-1] != 'Z' || !fits(b[:len(layout)], layout) {
		return false
	}
	frac := b[len(layout) : len(b)-1]
	if len(frac) == 0 {
		return true
	}
	return frac[0] == '.' && len(frac) >= 2 && len(frac) <= 7 && fits(frac[1:], "dddddd"[:len(frac)-1])
}

// isUUID: 8-4-4-4-12 hex digits, either case.
func isUUID(b []byte) bool {
	return len(b) == 36 && fits(b, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
}

// fits matches b against layout of the same length, where d is an ASCII
// digit, x a hex digit and any other byte itself.
func fits(b []byte, layout string) bool {
	if len(b) != len(layout) {
		return false
	}
	for i, c := range b {
		switch layout[i] {
		case 'd':
			if c < '0' || c > '9' {
				return false
			}
		case 'x':
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		default:
			if c != layout[i] {
				return false
			}
		}
	}
	return true
}
