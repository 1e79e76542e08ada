package aws

import (
	"context"
	"fmt"
	"regexp"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/spuffbot/spuffbot/providers"
)

// Publishers of official AMIs, by their AWS account ids.
const (
	CanonicalOwner = "099720109477"
	DebianOwner    = "136693071363"
)

// publisher says where a distribution's official AMIs are and how they are
// named (amd64 only: the priced instance types are x86).
type publisher struct {
	owner          string
	defaultVersion string
	pattern        func(version string) string
}

var publishers = map[providers.ImageKind]publisher{
	providers.ImageUbuntu: {CanonicalOwner, "24.04", func(v string) string {
		// e.g. ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305
		return "ubuntu/images/hvm-ssd*/ubuntu-*-" + v + "-amd64-server-*"
	}},
	providers.ImageDebian: {DebianOwner, "12", func(v string) string {
		// e.g. debian-12-amd64-20250210-2019
		return "debian-" + v + "-amd64-*"
	}},
}

var versionRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

// resolveImage returns the AMI id for spec: the newest official
// Ubuntu/Debian AMI of the version in the provider's region, or the id of
// a custom or snapshot image as given.
func (p *Provider) resolveImage(ctx context.Context, spec providers.ImageSpec) (string, error) {
	const op = "resolve image"
	switch spec.Kind {
	case providers.ImageCustom, providers.ImageSnapshot:
		if spec.ID == "" {
			return "", invalid(op, "no AMI id given", "")
		}
		return spec.ID, nil
	case "":
		spec = providers.ImageSpec{Kind: providers.ImageUbuntu}
	}
	pub, ok := publishers[spec.Kind]
	if !ok {
		return "", invalid(op, fmt.Sprintf("unknown image kind %q", spec.Kind), "use ubuntu, debian or an AMI id")
	}
	if spec.Version == "" {
		spec.Version = pub.defaultVersion
	}
	if !versionRe.MatchString(spec.Version) {
		return "", invalid(op, fmt.Sprintf("%s version %q is not a version number", spec.Kind, spec.Version), "")
	}
	pages := ec2.NewDescribeImagesPaginator(p.api, &ec2.DescribeImagesInput{
		Owners: []string{pub.owner},
		Filters: []types.Filter{
			{Name: awssdk.String("name"), Values: []string{pub.pattern(spec.Version)}},
			{Name: awssdk.String("state"), Values: []string{"available"}},
			{Name: awssdk.String("architecture"), Values: []string{"x86_64"}},
		},
	})
	var best string
	var newest time.Time
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return "", wrap(op, err)
		}
		for _, im := range out.Images {
			created, err := time.Parse(time.RFC3339, awssdk.ToString(im.CreationDate))
			if err == nil && (best == "" || created.After(newest)) {
				best, newest = awssdk.ToString(im.ImageId), created
			}
		}
	}
	if best == "" {
		return "", invalid(op, fmt.Sprintf("no official %s AMI in %s", spec, p.region), "")
	}
	return best, nil
}
