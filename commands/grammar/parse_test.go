package grammar

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Command
	}{
		// help and the empty line
		{"", Command{Verb: VerbHelp}},
		{"   \t ", Command{Verb: VerbHelp}},
		{"/spuff", Command{Verb: VerbHelp}},
		{"help", Command{Verb: VerbHelp}},
		{"help up", Command{Verb: VerbHelp, Topic: "up"}},
		{"help rm", Command{Verb: VerbHelp, Topic: "down"}},
		{"help SNAP", Command{Verb: VerbHelp, Topic: "snapshot"}},
		{"--help", Command{Verb: VerbHelp}},
		{"-h key", Command{Verb: VerbHelp, Topic: "key"}},
		{"?", Command{Verb: VerbHelp}},
		{"up --help", Command{Verb: VerbHelp, Topic: "up"}},
		{"down box -h", Command{Verb: VerbHelp, Topic: "down"}},
		{"snapshot --help", Command{Verb: VerbHelp, Topic: "snapshot"}},
		{"snapshot create --help", Command{Verb: VerbHelp, Topic: "snapshot"}},
		{"key add --help", Command{Verb: VerbHelp, Topic: "key"}},

		// up
		{"up", Command{Verb: VerbUp}},
		{"/spuff up", Command{Verb: VerbUp}},
		{"/SPUFF Up", Command{Verb: VerbUp}},
		{"  up   box  ", Command{Verb: VerbUp, Name: "box"}},
		{"up b", Command{Verb: VerbUp, Name: "b"}},
		{"up web-test-2", Command{Verb: VerbUp, Name: "web-test-2"}},
		{"up " + strings.Repeat("a", 40), Command{Verb: VerbUp, Name: strings.Repeat("a", 40)}},
		{"up box --size s-1vcpu-1gb --region fra1 --provider do --image debian-12 --ttl 4h",
			Command{Verb: VerbUp, Name: "box", Size: "s-1vcpu-1gb", Region: "fra1", Provider: "digitalocean", Image: "debian-12", TTL: 4 * time.Hour}},
		{"up --size=cx22 --region=fsn1 --provider=hcloud --ttl=90m box",
			Command{Verb: VerbUp, Name: "box", Size: "cx22", Region: "fsn1", Provider: "hetzner", TTL: 90 * time.Minute}},
		{"up --provider EC2 --size T3.Micro --region US-East-1",
			Command{Verb: VerbUp, Provider: "aws", Size: "t3.micro", Region: "us-east-1"}},
		{"up --provider demo", Command{Verb: VerbUp, Provider: "demo"}},
		{"up --provider aws", Command{Verb: VerbUp, Provider: "aws"}},
		{"up --image ubuntu", Command{Verb: VerbUp, Image: "ubuntu"}},
		{"up --image Ubuntu-24.04", Command{Verb: VerbUp, Image: "ubuntu-24.04"}},
		{"up --image debian", Command{Verb: VerbUp, Image: "debian"}},
		{"up --image ami-0ABC123def", Command{Verb: VerbUp, Image: "ami-0ABC123def"}},
		{"up --image 123456789", Command{Verb: VerbUp, Image: "123456789"}},
		{"up box --snapshot 98765", Command{Verb: VerbUp, Name: "box", Snapshot: "98765"}},
		{"up --ttl 2d", Command{Verb: VerbUp, TTL: 48 * time.Hour}},
		{"up --ttl 1d12h", Command{Verb: VerbUp, TTL: 36 * time.Hour}},
		{"up --ttl 2H", Command{Verb: VerbUp, TTL: 2 * time.Hour}},
		{"up -size cx22", Command{Verb: VerbUp, Size: "cx22"}},
		{"up --SIZE cx22", Command{Verb: VerbUp, Size: "cx22"}},

		// what chat clients do to text
		{"up\u00a0box\u00a0—size cx22", Command{Verb: VerbUp, Name: "box", Size: "cx22"}},
		{"up box –ttl 2h", Command{Verb: VerbUp, Name: "box", TTL: 2 * time.Hour}},
		{"up box —-region fra1", Command{Verb: VerbUp, Name: "box", Region: "fra1"}},
		{"up “box” --image “ubuntu”", Command{Verb: VerbUp, Name: "box", Image: "ubuntu"}},
		{"up ‘box’", Command{Verb: VerbUp, Name: "box"}},
		{"up\u200b box\ufeff", Command{Verb: VerbUp, Name: "box"}},
		{"up\u2003box\u202f--size\u3000cx22", Command{Verb: VerbUp, Name: "box", Size: "cx22"}},
		{"up\nbox\r\n--size\tcx22", Command{Verb: VerbUp, Name: "box", Size: "cx22"}},
		{`up --image="Debian-12" --region='fra1'`, Command{Verb: VerbUp, Image: "debian-12", Region: "fra1"}},

		// down
		{"down box", Command{Verb: VerbDown, Name: "box"}},
		{"destroy box --snapshot", Command{Verb: VerbDown, Name: "box", WithSnapshot: true}},
		{"rm --snapshot box", Command{Verb: VerbDown, Name: "box", WithSnapshot: true}},
		{"DOWN box", Command{Verb: VerbDown, Name: "box"}},

		// list, status, sizes
		{"list", Command{Verb: VerbList}},
		{"ls --all", Command{Verb: VerbList, All: true}},
		{"list -all", Command{Verb: VerbList, All: true}},
		{"status box", Command{Verb: VerbStatus, Name: "box"}},
		{"sizes", Command{Verb: VerbSizes}},
		{"sizes --provider hcloud", Command{Verb: VerbSizes, Provider: "hetzner"}},
		{"sizes --provider=DigitalOcean", Command{Verb: VerbSizes, Provider: "digitalocean"}},

		// snapshot
		{"snapshot create box", Command{Verb: VerbSnapshot, Sub: "create", Name: "box"}},
		{"snap create box before-upgrade", Command{Verb: VerbSnapshot, Sub: "create", Name: "box", Label: "before-upgrade"}},
		{"snapshot create box before the  big upgrade", Command{Verb: VerbSnapshot, Sub: "create", Name: "box", Label: "before the big upgrade"}},
		{`snapshot create box "before  upgrade"`, Command{Verb: VerbSnapshot, Sub: "create", Name: "box", Label: "before  upgrade"}},
		{"snapshot create box Tom's box", Command{Verb: VerbSnapshot, Sub: "create", Name: "box", Label: "Tom's box"}},
		{"snapshot create box Tom’s box", Command{Verb: VerbSnapshot, Sub: "create", Name: "box", Label: "Tom's box"}},
		{`snapshot create box "--draft"`, Command{Verb: VerbSnapshot, Sub: "create", Name: "box", Label: "--draft"}},
		{"snapshot list", Command{Verb: VerbSnapshot, Sub: "list"}},
		{"snapshot list --all", Command{Verb: VerbSnapshot, Sub: "list", All: true}},
		{"snap ls", Command{Verb: VerbSnapshot, Sub: "list"}},
		{"snapshot delete 1234", Command{Verb: VerbSnapshot, Sub: "delete", ID: "1234"}},
		{"snapshot rm ami-0abc", Command{Verb: VerbSnapshot, Sub: "delete", ID: "ami-0abc"}},
		{"Snapshot Create box", Command{Verb: VerbSnapshot, Sub: "create", Name: "box"}},

		// extend
		{"extend box 2h", Command{Verb: VerbExtend, Name: "box", TTL: 2 * time.Hour}},
		{"extend box 90m", Command{Verb: VerbExtend, Name: "box", TTL: 90 * time.Minute}},
		{"extend box 1d", Command{Verb: VerbExtend, Name: "box", TTL: 24 * time.Hour}},
		{"extend box +1.5d", Command{Verb: VerbExtend, Name: "box", TTL: 36 * time.Hour}},

		// audit
		{"audit", Command{Verb: VerbAudit, Count: 20}},
		{"AUDIT 1", Command{Verb: VerbAudit, Count: 1}},
		{"audit 50", Command{Verb: VerbAudit, Count: 50}},
		{"audit 200", Command{Verb: VerbAudit, Count: 200}},
		{"audit 007", Command{Verb: VerbAudit, Count: 7}},
		{"audit +5", Command{Verb: VerbAudit, Count: 5}},
		{`audit "30"`, Command{Verb: VerbAudit, Count: 30}},
		{"/spuff audit 10", Command{Verb: VerbAudit, Count: 10}},
		{"audit --help", Command{Verb: VerbHelp, Topic: "audit"}},
		{"help audit", Command{Verb: VerbHelp, Topic: "audit"}},

		// key
		{"key add ssh-ed25519 AAAAC3Nza me@laptop", Command{Verb: VerbKey, Sub: "add", Key: "ssh-ed25519 AAAAC3Nza me@laptop"}},
		{"key add   ssh-rsa  AAAAB3  a \"b\" c  ", Command{Verb: VerbKey, Sub: "add", Key: `ssh-rsa  AAAAB3  a "b" c`}},
		{"key add `ssh-ed25519 AAAA x`", Command{Verb: VerbKey, Sub: "add", Key: "ssh-ed25519 AAAA x"}},
		{"key add ```\nssh-ed25519 AAAA x\n```", Command{Verb: VerbKey, Sub: "add", Key: "ssh-ed25519 AAAA x"}},
		{`key add "ssh-ed25519 AAAA x"`, Command{Verb: VerbKey, Sub: "add", Key: "ssh-ed25519 AAAA x"}},
		{"key add ssh-ed25519 AAAA it's \"mine", Command{Verb: VerbKey, Sub: "add", Key: `ssh-ed25519 AAAA it's "mine`}},
		{"key list", Command{Verb: VerbKey, Sub: "list"}},
		{"key ls", Command{Verb: VerbKey, Sub: "list"}},
		{"key remove SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8", Command{Verb: VerbKey, Sub: "remove", Fingerprint: "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"}},
		{"key rm 16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48", Command{Verb: VerbKey, Sub: "remove", Fingerprint: "16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q) = %v, want %+v", tt.in, err, tt.want)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90m", 90 * time.Minute, true},
		{"2h", 2 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"2d", 48 * time.Hour, true},
		{"1.5d", 36 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"1d30m", 24*time.Hour + 30*time.Minute, true},
		{"2D", 48 * time.Hour, true},
		{" 3h ", 3 * time.Hour, true},
		{"+1d", 24 * time.Hour, true},
		{"-2h", -2 * time.Hour, true},
		{"0", 0, true},
		{"0d", 0, true},
		{"", 0, false},
		{"2", 0, false},
		{"1.5", 0, false},
		{"d", 0, false},
		{"2w", 0, false},
		{"1d-2h", 0, false},
		{"2h1d", 0, false},
		{"1..5d", 0, false},
		{"1e3d", 0, false},
		{"999999999d", 0, false},
		{"106000d", 106000 * 24 * time.Hour, true},
		{"106751d1000h", 0, false},
		{"abc", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	tests := []struct {
		name    string
		msg     string // "" for a valid name
		fix     string // the name the hint proposes, if any
		noFixOK bool
	}{
		{name: "a"},
		{name: "web-1"},
		{name: "a--b"},
		{name: strings.Repeat("x", 40)},
		{name: "", msg: "empty", noFixOK: true},
		{name: "MyBox", msg: "uppercase", fix: "mybox"},
		{name: "my_box", msg: "only lowercase letters, digits and hyphens", fix: "my-box"},
		{name: "my.box", msg: "only lowercase letters", fix: "my-box"},
		{name: "1box", msg: "start with a letter", fix: "vm-1box"},
		{name: "-box", msg: "start with a letter", fix: "box"},
		{name: "box-", msg: "end with a hyphen", fix: "box"},
		{name: strings.Repeat("x", 41), msg: "41 characters long; the limit is 40", fix: strings.Repeat("x", 40)},
		{name: "café", msg: "only lowercase letters", fix: "caf"},
		{name: "___", msg: "only lowercase letters", noFixOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckName(tt.name)
			if tt.msg == "" {
				if err != nil {
					t.Errorf("CheckName(%q) = %v, want nil", tt.name, err)
				}
				return
			}
			var ue *Error
			if !errors.As(err, &ue) {
				t.Fatalf("CheckName(%q) = %v, want an *Error", tt.name, err)
			}
			if !strings.Contains(ue.Msg, tt.msg) {
				t.Errorf("CheckName(%q).Msg = %q, want it to contain %q", tt.name, ue.Msg, tt.msg)
			}
			if tt.fix != "" && ue.Hint != "try `"+tt.fix+"`" {
				t.Errorf("CheckName(%q).Hint = %q, want %q", tt.name, ue.Hint, "try `"+tt.fix+"`")
			}
			if tt.noFixOK && strings.HasPrefix(ue.Hint, "try") {
				t.Errorf("CheckName(%q).Hint = %q, want the rules, not a name", tt.name, ue.Hint)
			}
			if tt.fix != "" {
				if err := CheckName(tt.fix); err != nil {
					t.Errorf("CheckName(%q) of the suggested fix = %v, want nil", tt.fix, err)
				}
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	benchmarks := []struct{ name, line string }{
		{"up", "up web-test --size s-2vcpu-4gb --region fra1 --provider do --ttl 8h"},
		{"down", "down web-test --snapshot"},
		{"list", "list --all"},
		{"snapshot", "snapshot create web-test before the upgrade"},
		{"key", "key add ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@laptop"},
		{"chat-text", "up\u00a0box —size cx22 --image “ubuntu”"}, // curly and wide characters
		{"typo", "upp box"}, // an error with a suggestion
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(bm.line)
			}
		})
	}
}
