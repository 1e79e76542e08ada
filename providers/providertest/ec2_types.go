package providertest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

type ec2TypeInfo struct {
	vcpus, memMiB int
	arch          string
	burstable     bool
}

// ec2InstanceTypes is the emulator's instance type table: every type the
// aws provider prices, and a few others.
var ec2InstanceTypes = map[string]ec2TypeInfo{
	"t2.micro": {1, 1024, "x86_64", true}, "m5.large": {2, 8192, "x86_64", false},
	"t4g.micro": {2, 1024, "arm64", true}, "t4g.small": {2, 2048, "arm64", true},
}

func init() {
	burst := []struct {
		size          string
		vcpus, memMiB int
	}{{"nano", 2, 512}, {"micro", 2, 1024}, {"small", 2, 2048}, {"medium", 2, 4096},
		{"large", 2, 8192}, {"xlarge", 4, 16384}, {"2xlarge", 8, 32768}}
	for _, fam := range []string{"t3", "t3a"} {
		for _, s := range burst {
			ec2InstanceTypes[fam+"."+s.size] = ec2TypeInfo{s.vcpus, s.memMiB, "x86_64", true}
		}
	}
	mul := map[string]int{"large": 1, "xlarge": 2, "2xlarge": 4, "4xlarge": 8}
	for size, m := range mul {
		for _, fam := range []string{"m5", "m6i", "m7i", "m6a", "m7a"} {
			ec2InstanceTypes[fam+"."+size] = ec2TypeInfo{2 * m, 8192 * m, "x86_64", false}
		}
		for _, fam := range []string{"c5", "c6i", "c7i", "c6a", "c7a"} {
			ec2InstanceTypes[fam+"."+size] = ec2TypeInfo{2 * m, 4096 * m, "x86_64", false}
		}
		for _, fam := range []string{"r6i", "r7i"} {
			ec2InstanceTypes[fam+"."+size] = ec2TypeInfo{2 * m, 16384 * m, "x86_64", false}
		}
	}
}

type ec2TypeXML struct {
	InstanceType      string   `xml:"instanceType"`
	CurrentGeneration bool     `xml:"currentGeneration"`
	Burstable         bool     `xml:"burstablePerformanceSupported"`
	DefaultVCpus      int      `xml:"vCpuInfo>defaultVCpus"`
	SizeInMiB         int      `xml:"memoryInfo>sizeInMiB"`
	Architectures     []string `xml:"processorInfo>supportedArchitectures>item"`
	UsageClasses      []string `xml:"supportedUsageClasses>item"`
	Hypervisor        string   `xml:"hypervisor"`
}

type ec2DescribeTypesReply struct {
	ec2Meta
	Types     []ec2TypeXML `xml:"instanceTypeSet>item"`
	NextToken string       `xml:"nextToken,omitempty"`
}

func (e *EC2) describeInstanceTypes(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	names := f.list("InstanceType")
	var unknown []string
	for _, n := range names {
		if _, ok := ec2InstanceTypes[n]; !ok {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		return nil, &ec2Error{http.StatusBadRequest, "InvalidInstanceType",
			fmt.Sprintf("The following supplied instance types do not exist: [%s]", strings.Join(unknown, ", "))}
	}
	all := make([]string, 0, len(ec2InstanceTypes))
	for n := range ec2InstanceTypes {
		all = append(all, n)
	}
	sort.Strings(all)
	var matched []string
	for _, n := range all {
		if len(names) > 0 && !slices.Contains(names, n) {
			continue
		}
		info, ok := ec2InstanceTypes[n], true
		for _, flt := range f.filters() {
			var v string
			switch flt.Name {
			case "instance-type":
				v = n
			case "current-generation":
				v = "true"
			case "processor-info.supported-architecture":
				v = info.arch
			case "vcpu-info.default-vcpus":
				v = strconv.Itoa(info.vcpus)
			default:
				return nil, ec2Invalid("The filter '%s' is invalid", flt.Name)
			}
			ok = ok && ec2MatchAny(flt.Values, v)
		}
		if ok {
			matched = append(matched, n)
		}
	}
	page, next, err := ec2Paginate(f, matched, 5, 100, e.pageSize)
	if err != nil {
		return nil, err
	}
	out := &ec2DescribeTypesReply{NextToken: next}
	for _, n := range page {
		info := ec2InstanceTypes[n]
		out.Types = append(out.Types, ec2TypeXML{InstanceType: n, CurrentGeneration: true, Burstable: info.burstable,
			DefaultVCpus: info.vcpus, SizeInMiB: info.memMiB, Architectures: []string{info.arch},
			UsageClasses: []string{"on-demand", "spot"}, Hypervisor: "nitro"})
	}
	return out, nil
}
