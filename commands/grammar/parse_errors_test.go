package grammar

import (
	"errors"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	usage := func(v Verb) string { return "usage: `" + Usage(v) + "`" }
	tests := []struct {
		in   string
		msg  string // Msg contains this
		hint string // Hint contains this
	}{
		// unknown verbs
		{"upp", "unknown command `upp`", "did you mean `up`?"},
		{"dwon box", "unknown command `dwon`", "did you mean `down`?"},
		{"lsit", "unknown command `lsit`", "did you mean `list`?"},
		{"destory box", "unknown command `destory`", "did you mean `destroy`?"},
		{"stat box", "unknown command `stat`", "did you mean `status`?"},
		{"snapshots list", "unknown command `snapshots`", "did you mean `snapshot`?"},
		{"size", "unknown command `size`", "did you mean `sizes`?"},
		{"create box", "unknown command `create`", "did you mean `up`?"},
		{"delete box", "unknown command `delete`", "did you mean `down`?"},
		{"/up", "unknown command `/up`", "did you mean `up`?"},
		{"frobnicate", "unknown command `frobnicate`", "try `/spuff help`"},
		{"/spuff /spuff up", "unknown command `/spuff`", "try `/spuff help`"},
		{"x", "unknown command `x`", "try `/spuff help`"},
		{"up`rm -rf", "unknown command `up'rm`", "try `/spuff help`"},

		// unknown flags
		{"up --sise s", "unknown flag `--sise` for `up`", "did you mean `--size`?"},
		{"up --regoin fra1", "unknown flag `--regoin`", "did you mean `--region`?"},
		{"up --provder do", "unknown flag `--provder`", "did you mean `--provider`?"},
		{"up --snap 1", "unknown flag `--snap`", "did you mean `--snapshot`?"},
		{"up --all", "unknown flag `--all` for `up`", usage(VerbUp)},
		{"down box --snap", "unknown flag `--snap` for `down`", "did you mean `--snapshot`?"},
		{"list --al", "unknown flag `--al`", "did you mean `--all`?"},
		{"sizes --region fra1", "unknown flag `--region` for `sizes`", usage(VerbSizes)},
		{"status box --all", "`status` takes no flags, got `--all`", usage(VerbStatus)},
		{"down --", "unknown flag `--`", usage(VerbDown)},
		{"snapshot list --al", "unknown flag `--al`", "did you mean `--all`?"},

		// missing arguments
		{"down", "`down` needs the name of the VM", usage(VerbDown)},
		{"rm --snapshot", "`down` needs the name", usage(VerbDown)},
		{"status", "`status` needs the name of a VM", usage(VerbStatus)},
		{"extend", "needs the name of a VM and a duration", usage(VerbExtend)},
		{"extend box", "needs a duration after the name", usage(VerbExtend)},
		{"extend 2h", "needs the name of the VM before the duration", usage(VerbExtend)},
		{"snapshot", "`snapshot` needs a sub-command: `create`, `list` or `delete`", usage(VerbSnapshot)},
		{"snapshot create", "`snapshot create` needs the name of the VM", "usage: `/spuff snapshot create <name> [label]`"},
		{"snapshot delete", "`snapshot delete` needs the id", "usage: `/spuff snapshot delete <id>`"},
		{`snapshot delete ""`, "`snapshot delete` needs the id", "usage: `/spuff snapshot delete <id>`"},
		{"key", "`key` needs a sub-command: `add`, `list` or `remove`", usage(VerbKey)},
		{"key add", "`key add` needs a public key", "usage: `/spuff key add <public key>`"},
		{"key add   ", "`key add` needs a public key", "usage: `/spuff key add <public key>`"},
		{"key add ``", "`key add` needs a public key", ""},
		{`key add ""`, "`key add` needs a public key", ""},
		{"key remove", "`key remove` needs the fingerprint", "usage: `/spuff key remove <fingerprint>`"},

		// extra arguments
		{"up a b", "too many arguments: `up` takes at most one name; `b` is one too many", usage(VerbUp)},
		{"down a b", "`down` takes one name; `b` is one too many", usage(VerbDown)},
		{"status a b c", "`status` takes one name; `b`", usage(VerbStatus)},
		{"extend box 2h 3h", "`extend` takes a name and a duration; `3h`", usage(VerbExtend)},
		{"list mine", "`list` takes no arguments, got `mine`", usage(VerbList)},
		{"sizes aws", "`sizes` takes no arguments, got `aws`", usage(VerbSizes)},
		{"snapshot list x", "`snapshot list` takes no arguments", "usage: `/spuff snapshot list`"},
		{"snapshot delete 1 2", "`snapshot delete` takes one argument; `2`", "usage: `/spuff snapshot delete <id>`"},
		{"key list x", "`key list` takes no arguments", "usage: `/spuff key list`"},
		{"key remove a b", "`key remove` takes one argument", "usage: `/spuff key remove <fingerprint>`"},
		{"help up down", "`help` takes one command; `down`", usage(VerbHelp)},

		// flags without a value, switches with one, duplicates
		{"up --size", "flag `--size` needs a value", usage(VerbUp)},
		{"up --size --region fra1", "flag `--size` needs a value", usage(VerbUp)},
		{"up --size=", "flag `--size` needs a value", usage(VerbUp)},
		{`up --size ""`, "flag `--size` needs a value", usage(VerbUp)},
		{"up box --ttl", "flag `--ttl` needs a value", usage(VerbUp)},
		{"sizes --provider", "flag `--provider` needs a value", usage(VerbSizes)},
		{"down box --snapshot=yes", "flag `--snapshot` takes no value", usage(VerbDown)},
		{"list --all=true", "flag `--all` takes no value", usage(VerbList)},
		{"up --size a --size b", "flag `--size` is given twice", usage(VerbUp)},
		{"up --ttl 1h --TTL=2h", "flag `--ttl` is given twice", usage(VerbUp)},
		{"down box --snapshot --snapshot", "flag `--snapshot` is given twice", usage(VerbDown)},

		// durations
		{"up --ttl 4x", "`--ttl` value `4x` is not a duration", usage(VerbUp)},
		{"up --ttl 4", "`--ttl` value `4` has no unit; add one, like `4h` or `4d`", usage(VerbUp)},
		{"up --ttl 0", "`--ttl` value `0` must be longer than zero", usage(VerbUp)},
		{"up --ttl -2h", "`--ttl` value `-2h` must be longer than zero", usage(VerbUp)},
		{"up --ttl 1w", "is not a duration; use a number and a unit, like `90m`, `4h` or `2d`", usage(VerbUp)},
		{"up --ttl 999999999d", "is out of range", usage(VerbUp)},
		{"extend box soon", "duration `soon` is not a duration", usage(VerbExtend)},
		{"extend box 2", "duration `2` has no unit", usage(VerbExtend)},
		{"extend box -1h", "duration `-1h` must be longer than zero", usage(VerbExtend)},
		{"extend box 0s", "must be longer than zero", usage(VerbExtend)},

		// names
		{"up MyBox", "name `MyBox` has uppercase letters; names are lowercase", "try `/spuff up mybox`"},
		{"up MyBox --size cx22 --ttl=2h", "uppercase", "try `/spuff up mybox --size cx22 --ttl=2h`"},
		{"up --size cx22 My-Box", "uppercase", "try `/spuff up --size cx22 my-box`"},
		{"up my_box", "may contain only lowercase letters, digits and hyphens", "try `/spuff up my-box`"},
		{"up 2fast", "must start with a letter", "try `/spuff up vm-2fast`"},
		{"up box-", "must not end with a hyphen", "try `/spuff up box`"},
		{"up " + strings.Repeat("a", 41), "41 characters long; the limit is 40", "try `/spuff up " + strings.Repeat("a", 40) + "`"},
		{"up ___", "only lowercase letters", "use lowercase letters, digits and hyphens, starting with a letter"},
		{`up ""`, "the name is empty", "use lowercase letters"},
		{"down Box --snapshot", "uppercase", "try `/spuff down box --snapshot`"},
		{"rm Box", "uppercase", "try `/spuff rm box`"},
		{"status Web", "uppercase", "try `/spuff status web`"},
		{"extend Web 2h", "uppercase", "try `/spuff extend web 2h`"},
		{"snap create My_Box before upgrade", "only lowercase", "try `/spuff snap create my-box before upgrade`"},
		{`snapshot create Box "the label"`, "uppercase", "try `/spuff snapshot create box \"the label\"`"},
		{"up Box --image it's", "uppercase", "try `/spuff up box`"},

		// other values
		{"up --provider digitalocen", "unknown provider `digitalocen`", "did you mean `digitalocean`?"},
		{"up --provider hetzer", "unknown provider `hetzer`", "did you mean `hetzner`?"},
		{"up --provider hcoud", "unknown provider `hcoud`", "did you mean `hetzner`?"},
		{"sizes --provider azure", "unknown provider `azure`", "use `aws`, `demo`, `digitalocean` or `hetzner`"},
		{"up --size s/1", "`--size` value `s/1` may contain only letters", usage(VerbUp)},
		{`up --region "fra 1"`, "`--region` value `fra 1` may contain only", usage(VerbUp)},
		{"up --image " + strings.Repeat("i", 300), "`--image` value", usage(VerbUp)},
		{`up --snapshot "a b"`, "`--snapshot` value `a b` has characters no cloud id has", usage(VerbUp)},
		{"up --image Ubuntu-", "`--image` value `ubuntu-` needs a version", usage(VerbUp)},
		{"up --image debian --snapshot 12", "`--image` and `--snapshot` both choose", "give only one of them"},
		{"snapshot create box " + strings.Repeat("l", 65), "the label is 65 characters long; the limit is 64", "usage: `/spuff snapshot create <name> [label]`"},
		{"snapshot delete \"a\tb\"", "has characters no cloud id has", ""},

		// sub-commands
		{"snapshot crate box", "unknown `snapshot` command `crate`", "did you mean `snapshot create`?"},
		{"snapshot take box", "unknown `snapshot` command `take`", "did you mean `snapshot create`?"},
		{"snap lst", "unknown `snapshot` command `lst`", "did you mean `snapshot list`?"},
		{"snapshot box", "unknown `snapshot` command `box`", "use one of `create`, `list` or `delete`"},
		{"key ad ssh-rsa AAAA", "unknown `key` command `ad`", "did you mean `key add`?"},
		{"key upload ssh-rsa AAAA", "unknown `key` command `upload`", "did you mean `key add`?"},
		{"key ssh-ed25519 AAAA", "unknown `key` command `ssh-ed25519`", "use one of `add`, `list` or `remove`"},

		// audit
		{"audti", "unknown command `audti`", "did you mean `audit`?"},
		{"audit 0", "the number of events `0` must be at least 1", usage(VerbAudit)},
		{"audit -5", "the number of events `-5` must be at least 1", usage(VerbAudit)},
		{"audit -99999999999999999999", "must be at least 1", usage(VerbAudit)},
		{"audit 201", "`audit` shows at most 200 events; `201` is too many", usage(VerbAudit)},
		{"audit 99999999999999999999", "`audit` shows at most 200 events", usage(VerbAudit)},
		{"audit ten", "`audit` takes the number of events to show, like `50`; `ten` is not a number", usage(VerbAudit)},
		{"audit 1.5", "`1.5` is not a number", usage(VerbAudit)},
		{"audit 2h", "`2h` is not a number", usage(VerbAudit)},
		{"audit +-5", "`+-5` is not a number", usage(VerbAudit)},
		{`audit ""`, "`` is not a number", usage(VerbAudit)},
		{"audit 5 6", "too many arguments: `audit` takes at most one number; `6` is one too many", usage(VerbAudit)},
		{"audit --all", "`audit` takes no flags, got `--all`", usage(VerbAudit)},
		{"audit --n=5", "`audit` takes no flags", usage(VerbAudit)},
		{`audit "5`, "quote not closed", usage(VerbAudit)},

		// help topics
		{"help upp", "no help for `upp`", "did you mean `/spuff help up`?"},
		{"help everything", "no help for `everything`", "try `/spuff help`"},

		// quotes
		{`up "box`, "quote not closed in `\"box`", "close the quote; " + usage(VerbUp)},
		{`"up`, "quote not closed", "close the quote"},
		{`snapshot create box "before upgrade`, "quote not closed", "usage: `/spuff snapshot create <name> [label]`"},
		{`up --image="ubuntu`, "quote not closed", usage(VerbUp)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			var ue *Error
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) = %+v, %v; want an *Error", tt.in, got, err)
			}
			if got != (Command{}) {
				t.Errorf("Parse(%q) = %+v with an error, want the zero Command", tt.in, got)
			}
			if !strings.Contains(ue.Msg, tt.msg) {
				t.Errorf("Parse(%q).Msg = %q, want it to contain %q", tt.in, ue.Msg, tt.msg)
			}
			if !strings.Contains(ue.Hint, tt.hint) {
				t.Errorf("Parse(%q).Hint = %q, want it to contain %q", tt.in, ue.Hint, tt.hint)
			}
			if ue.Hint == "" {
				t.Errorf("Parse(%q).Hint is empty, want the closest valid form", tt.in)
			}
		})
	}
}

// TestParseErrorTextIsBounded checks that what a person typed is shortened
// and defused before it is echoed back.
func TestParseErrorTextIsBounded(t *testing.T) {
	long := strings.Repeat("z", 10000)
	for _, in := range []string{long, "up " + long, "up --" + long, "up --ttl " + long, "snapshot " + long, "up --provider " + long} {
		_, err := Parse(in)
		if err == nil {
			t.Fatalf("Parse(%.20q…) = nil error, want one", in)
		}
		if n := len(err.Error()); n > 400 {
			t.Errorf("Parse(%.20q…) error is %d bytes, want at most 400", in, n)
		}
	}
	_, err := Parse("up`\x00\n")
	if msg := err.Error(); strings.Count(msg, "`") != 4 || strings.ContainsAny(msg, "\x00\n") {
		t.Errorf("Parse(%q) = %q, want the typed word defused", "up`\x00\n", msg)
	}
}
