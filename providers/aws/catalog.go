package aws

import (
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/spuffbot/spuffbot/providers"
)

// pricesCSV is the embedded price table; its header states the source.
//
//go:embed prices.csv
var pricesCSV string

// snapshotItem is the price table's item for EBS snapshot storage.
const snapshotItem = "ebs-snapshot"

type priceTable struct {
	source   string
	hourly   map[string]map[string]float64 // instance type -> region -> USD/h
	snapshot map[string]float64            // region -> USD per GB-month
}

var prices = mustParsePrices(pricesCSV)

func mustParsePrices(text string) priceTable {
	t, err := parsePrices(text)
	if err != nil {
		panic("aws: embedded prices.csv: " + err.Error())
	}
	return t
}

func parsePrices(text string) (priceTable, error) {
	t := priceTable{hourly: map[string]map[string]float64{}, snapshot: map[string]float64{}}
	for _, line := range strings.Split(text, "\n") {
		if src, ok := strings.CutPrefix(line, "# Source: "); ok {
			t.source = strings.TrimSpace(src)
		}
	}
	if t.source == "" {
		return t, fmt.Errorf("no \"# Source: \" line")
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comment, r.FieldsPerRecord = '#', 3
	rows, err := r.ReadAll()
	if err != nil {
		return t, err
	}
	for _, row := range rows {
		region, item := row[0], row[1]
		usd, err := strconv.ParseFloat(row[2], 64)
		if err != nil || usd <= 0 {
			return t, fmt.Errorf("%s %s: bad price %q", region, item, row[2])
		}
		if item == snapshotItem {
			t.snapshot[region] = usd
			continue
		}
		if t.hourly[item] == nil {
			t.hourly[item] = map[string]float64{}
		}
		t.hourly[item][region] = usd
	}
	return t, nil
}

// price returns the hourly price of an instance type in region. For a
// region the table lacks it returns the type's highest known price — an
// estimate that errs on the costly side — and exact false.
func (t priceTable) price(typ, region string) (usd float64, exact bool) {
	if v, ok := t.hourly[typ][region]; ok {
		return v, true
	}
	for _, v := range t.hourly[typ] {
		usd = max(usd, v)
	}
	return usd, false
}

func (t priceTable) snapshotPrice(region string) float64 {
	if v, ok := t.snapshot[region]; ok {
		return v
	}
	return slices.Max(slices.Collect(maps.Values(t.snapshot)))
}

// PriceSource returns where the embedded prices come from, e.g. "AWS EC2
// On-Demand pricing page, Linux, 2025-01 (...)".
func PriceSource() string { return prices.source }

var regionNames = map[string]string{
	"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
	"us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
	"ca-central-1": "Canada (Central)", "sa-east-1": "South America (São Paulo)",
	"eu-west-1": "Europe (Ireland)", "eu-west-2": "Europe (London)", "eu-west-3": "Europe (Paris)",
	"eu-central-1": "Europe (Frankfurt)", "eu-north-1": "Europe (Stockholm)",
	"ap-south-1": "Asia Pacific (Mumbai)", "ap-southeast-1": "Asia Pacific (Singapore)",
	"ap-southeast-2": "Asia Pacific (Sydney)", "ap-northeast-1": "Asia Pacific (Tokyo)",
}

var catalogImages = []providers.Image{
	{Slug: "ubuntu-24.04", Name: "Ubuntu 24.04 LTS"},
	{Slug: "ubuntu-22.04", Name: "Ubuntu 22.04 LTS"},
	{Slug: "debian-12", Name: "Debian 12"},
}

// Catalog returns the priced instance types with their vCPUs and memory
// as EC2 reports them for the region (DescribeInstanceTypes), the
// provider's one region, and the images. Prices come from the embedded
// table, so PricesEstimated is true. Instance types are read once per
// Provider.
func (p *Provider) Catalog(ctx context.Context) (*providers.Catalog, error) {
	sizes, err := p.instanceTypes(ctx)
	if err != nil {
		return nil, err
	}
	out := &providers.Catalog{
		Regions:              []providers.Region{{Slug: p.region, Name: p.region, Available: true}},
		Images:               slices.Clone(catalogImages),
		PricesEstimated:      true,
		SnapshotMonthlyPerGB: prices.snapshotPrice(p.region),
	}
	if n, ok := regionNames[p.region]; ok {
		out.Regions[0].Name = n
	}
	for _, s := range sizes {
		s.Regions = []string{p.region}
		out.Sizes = append(out.Sizes, s)
	}
	return out, nil
}

// instanceTypes returns the priced instance types the region has, as
// sizes without Regions, cheapest first.
func (p *Provider) instanceTypes(ctx context.Context) ([]providers.Size, error) {
	p.sizesMu.Lock()
	defer p.sizesMu.Unlock()
	if p.sizes != nil {
		return p.sizes, nil
	}
	pages := ec2.NewDescribeInstanceTypesPaginator(p.api, &ec2.DescribeInstanceTypesInput{
		// A filter, unlike InstanceTypes, does not fail on a type the
		// region lacks.
		Filters:    []types.Filter{{Name: awssdk.String("instance-type"), Values: slices.Sorted(maps.Keys(prices.hourly))}},
		MaxResults: awssdk.Int32(100),
	})
	var sizes []providers.Size
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, wrap("catalog", err)
		}
		for _, it := range out.InstanceTypes {
			s := providers.Size{Slug: string(it.InstanceType), Available: true}
			if it.VCpuInfo != nil {
				s.VCPUs = int(awssdk.ToInt32(it.VCpuInfo.DefaultVCpus))
			}
			if it.MemoryInfo != nil {
				s.MemoryMB = int(awssdk.ToInt64(it.MemoryInfo.SizeInMiB))
			}
			s.PriceHourly, _ = prices.price(s.Slug, p.region)
			sizes = append(sizes, s)
		}
	}
	sort.Slice(sizes, func(i, j int) bool {
		if sizes[i].PriceHourly != sizes[j].PriceHourly {
			return sizes[i].PriceHourly < sizes[j].PriceHourly
		}
		return sizes[i].Slug < sizes[j].Slug
	})
	p.sizes = sizes
	return sizes, nil
}
