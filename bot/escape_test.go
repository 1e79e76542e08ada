package bot

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spuffbot/spuffbot/commands"
)

func TestEscaping(t *testing.T) {
	tests := []struct {
		name string
		got  md
		want md
	}{
		{"esc", esc(`<!channel> & <https://evil.example|click>`), "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"},
		{"code escapes inside the span", code("<@U0MALLORY>`x"), "`&lt;@U0MALLORY&gt;'x`"},
		{"code block", codeBlock("a<b```c"), "```a&lt;b'''c```"},
		{"mdf escapes strings", mdf("%s made %s", user("U0ALICE"), "<!here>"), "<@U0ALICE> made &lt;!here&gt;"},
		{"mdf escapes numbers' verbs too", mdf("%q", "<x>"), `"&lt;x&gt;"`},
		{"a typed id that is no Slack id is text", user("<!channel>"), "`&lt;!channel&gt;`"},
		{"a malformed channel is text", channel("C1>|x"), "`C1&gt;|x`"},
		{"spuffbot is named", user(commands.SystemActor), "spuffbot"},
		{"text mentions ids and escapes the rest", text(commands.Textf("%s owns `%s` in %s", commands.UserID("U0BOB"), "<!here>", commands.ChannelID("C0DEV"))),
			"<@U0BOB> owns `&lt;!here&gt;` in <#C0DEV>"},
		{"clip never splits an entity", clipMD(esc("abc<def"), 6), "abc…"},
		{"clip never splits a mention", clipMD("ab <@U0ALICE>", 8), "ab …"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestMdConversionsOnlyInEscape keeps the escaping rule whole: outside
// escape.go no renderer converts a string to md itself, so every string
// that reaches Slack went through esc, code, mdf, user, channel or text.
func TestMdConversionsOnlyInEscape(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if f == "escape.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "md" && len(call.Args) == 1 {
				if _, constant := call.Args[0].(*ast.BasicLit); !constant {
					t.Errorf("%s: md(...) of a non-constant: use esc, code, mdf, user, channel or text", fset.Position(call.Pos()))
				}
			}
			return true
		})
	}
}
