package aws

import (
	"testing"
)

func TestEmbeddedPriceTable(t *testing.T) {
	regions := []string{"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"}
	families := []string{"t3", "t3a", "m6i", "m7i", "c6i", "c7i"}
	sizes := map[string][]string{
		"t3":  {"micro", "small", "medium", "large", "xlarge", "2xlarge"},
		"t3a": {"micro", "small", "medium", "large", "xlarge", "2xlarge"},
		"m6i": {"large", "xlarge", "2xlarge"}, "m7i": {"large", "xlarge", "2xlarge"},
		"c6i": {"large", "xlarge", "2xlarge"}, "c7i": {"large", "xlarge", "2xlarge"},
	}
	for _, fam := range families {
		for _, size := range sizes[fam] {
			typ := fam + "." + size
			for _, r := range regions {
				if usd, exact := prices.price(typ, r); !exact || usd <= 0 || usd > 1 {
					t.Errorf("price(%q, %q) = %v, %v, want a plausible exact price", typ, r, usd, exact)
				}
			}
		}
	}
	for _, r := range regions {
		if got := prices.snapshotPrice(r); got <= 0 {
			t.Errorf("snapshotPrice(%q) = %v, want > 0", r, got)
		}
	}
	if usd, _ := prices.price("t3.micro", "us-east-1"); usd != 0.0104 {
		t.Errorf("price(t3.micro, us-east-1) = %v, want 0.0104", usd)
	}
}

func TestParsePricesErrors(t *testing.T) {
	tests := []struct{ name, text string }{
		{"no source", "us-east-1,t3.micro,0.0104\n"},
		{"bad price", "# Source: x\nus-east-1,t3.micro,cheap\n"},
		{"zero price", "# Source: x\nus-east-1,t3.micro,0\n"},
		{"short row", "# Source: x\nus-east-1,t3.micro\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parsePrices(tt.text); err == nil {
				t.Errorf("parsePrices(%q) error = nil, want one", tt.text)
			}
		})
	}
}
