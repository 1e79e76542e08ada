package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/providers"
)

// goldenView compares a modal or Home view with testdata/<name>.golden.json
// after checking it against Slack's limits on views.
func goldenView(t *testing.T, name string, v any) {
	t.Helper()
	checkViewLimits(t, v)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatalf("marshal %s: %v", name, err)
	}
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update): %v", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs from %s (-want +got):\n%s", name, path, cmp.Diff(string(want), buf.String()))
	}
}

// wireView is the part of a view checkViewLimits reads.
type wireView struct {
	Type            string `json:"type"`
	Title           *struct{ Text string }
	PrivateMetadata string `json:"private_metadata"`
	Blocks          []struct {
		Type    string `json:"type"`
		BlockID string `json:"block_id"`
		Text    *struct{ Text string }
		Element *struct {
			Type    string `json:"type"`
			Options []struct {
				Text  struct{ Text string }
				Value string
			} `json:"options"`
		} `json:"element"`
		Elements []json.RawMessage `json:"elements"`
	} `json:"blocks"`
}

// checkViewLimits fails when v breaks a limit Slack enforces on views.
func checkViewLimits(t *testing.T, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var w wireView
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	if len(w.Blocks) > maxViewBlocks {
		t.Errorf("%d blocks, a view takes at most %d", len(w.Blocks), maxViewBlocks)
	}
	if w.Title != nil && len([]rune(w.Title.Text)) > 24 {
		t.Errorf("title %q is longer than 24 characters", w.Title.Text)
	}
	if len(w.PrivateMetadata) > 3000 {
		t.Errorf("private_metadata of %d characters, Slack takes 3000", len(w.PrivateMetadata))
	}
	ids := map[string]bool{}
	for i, b := range w.Blocks {
		if b.BlockID != "" && ids[b.BlockID] {
			t.Errorf("block %d: duplicate block_id %q", i, b.BlockID)
		}
		ids[b.BlockID] = true
		if b.Text != nil && len([]rune(b.Text.Text)) > maxSectionText {
			t.Errorf("block %d: text of %d characters", i, len([]rune(b.Text.Text)))
		}
		if b.Type == "input" && b.BlockID == "" {
			t.Errorf("block %d: an input without a block_id cannot be read back", i)
		}
		if b.Type == "actions" && len(b.Elements) > 25 {
			t.Errorf("block %d: %d elements in an actions block", i, len(b.Elements))
		}
		if e := b.Element; e != nil {
			if len(e.Options) > maxSelectOptions {
				t.Errorf("block %d: %d options, a select takes %d", i, len(e.Options), maxSelectOptions)
			}
			for _, o := range e.Options {
				if len([]rune(o.Text.Text)) > maxOptionText || len(o.Value) > 150 {
					t.Errorf("block %d: option %q/%q is too long", i, o.Text.Text, o.Value)
				}
			}
		}
	}
}

// demoSizes is a catalog like the demo cloud's.
func demoSizes() *commands.SizesView {
	return &commands.SizesView{
		Provider: "demo", ProviderLabel: "Demo cloud", DefaultSize: "small",
		Sizes: []providers.Size{
			{Slug: "small", VCPUs: 1, MemoryMB: 1024, DiskGB: 25, PriceHourly: 0.0074, Available: true},
			{Slug: "medium", VCPUs: 2, MemoryMB: 4096, DiskGB: 80, PriceHourly: 0.0298, Available: true},
			{Slug: "large", VCPUs: 4, MemoryMB: 8192, DiskGB: 160, PriceHourly: 0.0595, Available: true},
			{Slug: "xlarge", VCPUs: 8, MemoryMB: 32768, DiskGB: 320, PriceHourly: 0.25, Regions: []string{"demo-eu"}, Available: true},
		},
		Regions: []providers.Region{
			{Slug: "demo-eu", Name: "Demo Europe (Frankfurt)", Available: true},
			{Slug: "demo-us", Name: "Demo US East (New York)", Available: true},
			{Slug: "demo-ap", Available: false},
		},
	}
}

func TestRenderUpModal(t *testing.T) {
	meta := upMeta{Channel: "C0DEV", ResponseURL: "https://hooks.slack.test/commands/T0/1/abc"}
	hetzner := &commands.SizesView{Provider: "hetzner", ProviderLabel: "Hetzner Cloud", DefaultSize: "cx22", DefaultRegion: "nbg1",
		Estimated: true,
		Sizes: []providers.Size{
			{Slug: "cx22", VCPUs: 2, MemoryMB: 4096, PriceHourly: 0.006, Available: true},
			{Slug: "cpx31", VCPUs: 4, MemoryMB: 8192, PriceHourly: 0.0232, Available: true},
		},
		Regions: []providers.Region{{Slug: "fsn1", Name: "Falkenstein", Available: true}, {Slug: "nbg1", Name: "Nuremberg", Available: true}},
	}
	tests := []struct {
		name string
		form upForm
	}{
		{"listed", upForm{Clouds: []string{"demo"}, Cloud: "demo", Sizes: demoSizes(), Meta: meta}},
		{"typed", upForm{Clouds: []string{"demo"}, Cloud: "demo", Meta: meta,
			Notice: upNotice(":hourglass_flowing_sand: Loading Demo cloud's sizes… Type a region and size, or wait a moment for the lists.")}},
		{"clouds", upForm{Clouds: []string{"aws", "digitalocean", "hetzner"}, Cloud: "hetzner", Sizes: hetzner, Meta: meta,
			In: upInput{Region: "fsn1", Size: "cpx31", Lease: "4h", Name: "box", Snapshot: "snap-1"}}},
		{"empty_catalog", upForm{Clouds: []string{"demo"}, Cloud: "demo", Sizes: &commands.SizesView{Provider: "demo"}, Meta: meta}},
		{"refused", upForm{Clouds: []string{"demo"}, Cloud: "demo", Sizes: demoSizes(), Meta: meta, In: upInput{Name: "box"},
			Notice: renderError(&commands.UsageError{Msg: "you are at the limit of 3 running instances",
				Hint: "destroy one with `/spuff down <name>` first"}, "")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			goldenView(t, "modal_"+tt.name, renderUpModal(tt.form))
		})
	}
}

func TestRenderUpModalManySizes(t *testing.T) {
	v := demoSizes()
	v.Sizes = nil
	for i := range 150 {
		v.Sizes = append(v.Sizes, providers.Size{Slug: fmt.Sprintf("size-with-a-rather-long-name-%03d", i), VCPUs: 96, MemoryMB: 786432,
			PriceHourly: 12.3456, Available: true})
	}
	v.DefaultSize = v.Sizes[120].Slug // beyond the options: none is chosen
	m := renderUpModal(upForm{Clouds: []string{"demo"}, Cloud: "demo", Sizes: v})
	checkViewLimits(t, m)
	raw, _ := json.Marshal(m)
	if got := strings.Count(string(raw), `"value":"size-with-a-rather-long-name-`); got != maxSelectOptions {
		t.Errorf("renderUpModal with 150 sizes lists %d, want %d", got, maxSelectOptions)
	}
	if !strings.Contains(string(raw), "The 100 cheapest of 150") {
		t.Errorf("renderUpModal with 150 sizes does not say it shows the cheapest 100:\n%s", raw)
	}
}

func TestUpMetaRoundTrip(t *testing.T) {
	for _, m := range []upMeta{{}, {Channel: "C1", ResponseURL: "https://x/y", Cloud: "aws", Listed: true}} {
		if got := decodeUpMeta(m.encode()); got != m {
			t.Errorf("decodeUpMeta(%q) = %+v, want %+v", m.encode(), got, m)
		}
	}
	if got := decodeUpMeta("not json"); got != (upMeta{}) {
		t.Errorf("decodeUpMeta(%q) = %+v, want the zero value", "not json", got)
	}
}
