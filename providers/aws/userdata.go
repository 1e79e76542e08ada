package aws

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// userData returns the user data to launch with: ud with the SSH public
// keys added through cloud-init (EC2 takes one key pair per instance; the
// default user's authorized_keys takes them all). Without keys it is ud
// unchanged; without ud it is a #cloud-config document; with both it is a
// MIME multipart document, cloud-init's way of combining parts, whose
// cloud-config part appends to lists rather than replacing them.
func userData(ud string, keys []string) string {
	doc := keysConfig(keys)
	switch {
	case doc == "":
		return ud
	case strings.TrimSpace(ud) == "":
		return doc
	}
	sum := sha256.Sum256([]byte(ud + doc))
	boundary := "spuff-" + hex.EncodeToString(sum[:8])
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\nMIME-Version: 1.0\n\n")
	b.WriteString("--" + boundary + "\nContent-Type: " + partType(ud) + "; charset=\"utf-8\"\n\n" + ud)
	if !strings.HasSuffix(ud, "\n") {
		b.WriteString("\n")
	}
	b.WriteString("--" + boundary + "\nContent-Type: text/cloud-config; charset=\"utf-8\"\n\n" + doc)
	b.WriteString("merge_how:\n  - name: list\n    settings: [append]\n  - name: dict\n    settings: [no_replace, recurse_list]\n")
	b.WriteString("--" + boundary + "--\n")
	return b.String()
}

// keysConfig returns a #cloud-config document authorising keys, or "" when
// there are none.
func keysConfig(keys []string) string {
	var b strings.Builder
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k == "" || strings.ContainsAny(k, "\r\n") {
			continue
		}
		q, _ := json.Marshal(k) // a JSON string is a YAML double-quoted scalar
		b.WriteString("  - " + string(q) + "\n")
	}
	if b.Len() == 0 {
		return ""
	}
	return "#cloud-config\nssh_authorized_keys:\n" + b.String()
}

// partType returns the cloud-init MIME type of a user data document by
// its first line.
func partType(ud string) string {
	first, _, _ := strings.Cut(strings.TrimLeft(ud, " \t\r\n"), "\n")
	switch {
	case strings.HasPrefix(first, "#cloud-config"):
		return "text/cloud-config"
	case strings.HasPrefix(first, "#!"):
		return "text/x-shellscript"
	case strings.HasPrefix(first, "#cloud-boothook"):
		return "text/cloud-boothook"
	case strings.HasPrefix(first, "#include"):
		return "text/x-include-url"
	}
	return "text/plain"
}
