package cli

import "strings"

// NormalizeArgs lets the tutorial's single-dash long flags through cobra:
// "-alias" becomes "--alias" and "-alias=w1" becomes "--alias=w1". Only a
// dash followed by two or more letters (then letters, digits, '-' or '_')
// is rewritten, so "-h", negative numbers like "-5" and a lone "-" stay as
// they are; nothing after "--" is touched.
func NormalizeArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "--" {
			copy(out[i:], args[i:])
			break
		}
		if isSingleDashLong(a) {
			a = "-" + a
		}
		out[i] = a
	}
	return out
}

func isSingleDashLong(a string) bool {
	if len(a) < 3 || a[0] != '-' || a[1] == '-' {
		return false
	}
	name, _, _ := strings.Cut(a[1:], "=")
	if len(name) < 2 || !isLetter(name[0]) || !isLetter(name[1]) {
		return false
	}
	for i := 2; i < len(name); i++ {
		c := name[i]
		if !isLetter(c) && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
