package providertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Account and publisher ids the EC2 emulator uses.
const (
	// EC2AccountID is the account that owns everything created through the
	// emulator ("self").
	EC2AccountID = "123456789012"
	// CanonicalOwnerID publishes the official Ubuntu AMIs.
	CanonicalOwnerID = "099720109477"
	// DebianOwnerID publishes the official Debian AMIs.
	DebianOwnerID = "136693071363"
)

// EC2 emulates the Amazon EC2 Query API (form POST, XML replies, XML
// errors) for the actions spuff uses: RunInstances, DescribeInstances,
// TerminateInstances, CreateImage, DescribeImages, DeregisterImage,
// DescribeSnapshots, DeleteSnapshot, DescribeInstanceTypes, DescribeVpcs,
// DescribeSecurityGroups, CreateSecurityGroup and
// AuthorizeSecurityGroupIngress.
//
// State is kept per region; the region of a call is read from the SigV4
// credential scope, as the real endpoint is per region. Every region has a
// default VPC with its default security group, and the official Ubuntu and
// Debian AMIs (with region-specific ids). RunInstances honours ClientToken
// as EC2 does: the same token with the same parameters returns the first
// reservation, with other parameters it fails with
// IdempotentParameterMismatch.
//
// Calls are counted by action name, e.g. Calls("RunInstances").
type EC2 struct {
	Knobs
	Loads // activity of the instances, for CloudWatch (cloudwatch.go)
	// URL is the endpoint to give the SDK (ec2.Options.BaseEndpoint or
	// AWS_ENDPOINT_URL_EC2).
	URL string

	srv *httptest.Server

	mu         sync.Mutex
	readyAfter time.Duration
	pageSize   int
	accessKey  string
	injected   []ec2Injected
	regions    map[string]*ec2Region
	seq        int
}

type ec2Injected struct {
	action string
	err    *ec2Error
}

type ec2Action func(e *EC2, rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error)

var ec2Actions = map[string]ec2Action{
	"RunInstances":                  (*EC2).runInstances,
	"DescribeInstances":             (*EC2).describeInstances,
	"TerminateInstances":            (*EC2).terminateInstances,
	"CreateImage":                   (*EC2).createImage,
	"DescribeImages":                (*EC2).describeImages,
	"DeregisterImage":               (*EC2).deregisterImage,
	"DescribeSnapshots":             (*EC2).describeSnapshots,
	"DeleteSnapshot":                (*EC2).deleteSnapshot,
	"DescribeInstanceTypes":         (*EC2).describeInstanceTypes,
	"DescribeVpcs":                  (*EC2).describeVpcs,
	"DescribeSecurityGroups":        (*EC2).describeSecurityGroups,
	"CreateSecurityGroup":           (*EC2).createSecurityGroup,
	"AuthorizeSecurityGroupIngress": (*EC2).authorizeIngress,
}

// NewEC2 starts an EC2 emulator. Close it when done.
func NewEC2() *EC2 {
	e := &EC2{regions: make(map[string]*ec2Region)}
	e.srv = httptest.NewServer(e)
	e.URL = e.srv.URL
	return e
}

// Close shuts the emulator down.
func (e *EC2) Close() { e.srv.Close() }

// SetReadyAfter sets how long new instances stay pending (and new AMIs
// stay pending) before they are running with a public IPv4 from
// 203.0.113.0/24 (or available). Zero means on the first read after
// creation.
func (e *EC2) SetReadyAfter(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.readyAfter = d
}

// SetPageSize caps every page of the Describe calls at n items, whatever
// MaxResults the client sent, to force pagination. Zero removes the cap.
func (e *EC2) SetPageSize(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pageSize = n
}

// RequireAccessKey makes calls signed with another access key id fail
// with AuthFailure, as EC2 does for unknown credentials. The key id is read
// from the Credential= part of the SigV4 Authorization header (Knobs'
// bearer check does not apply to SigV4). Empty accepts any.
func (e *EC2) RequireAccessKey(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.accessKey = id
}

// FailAction makes the next call of action fail with the EC2 error code
// and message (e.g. "VcpuLimitExceeded") and HTTP status. Calls queue up.
func (e *EC2) FailAction(action string, status int, code, message string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.injected = append(e.injected, ec2Injected{action, &ec2Error{status, code, message}})
}

// ServeHTTP serves one Query API call.
func (e *EC2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, cwPath) {
		e.serveCloudWatch(w, r) // cloudwatch.go
		return
	}
	reqID := e.requestID()
	if err := r.ParseForm(); err != nil {
		ec2WriteError(w, reqID, &ec2Error{http.StatusBadRequest, "InvalidRequest", "The request body could not be parsed."})
		return
	}
	f := ec2Form(r.Form)
	action := f.get("Action")
	fault, fail, _ := e.Admit(action, r)
	if fault.Delay > 0 {
		t := time.NewTimer(fault.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	if fail && !fault.AfterServe {
		if fault.Dropped(w) {
			return
		}
		fault.WriteHeaders(w)
		ec2WriteError(w, reqID, ec2FaultError(fault.Status))
		return
	}
	keyID, region := sigV4Scope(r.Header.Get("Authorization"))
	body, eerr := e.serve(action, keyID, region, f)
	switch {
	case fail:
		if fault.Dropped(w) {
			return
		}
		fault.WriteHeaders(w)
		ec2WriteError(w, reqID, ec2FaultError(fault.Status))
	case eerr != nil:
		ec2WriteError(w, reqID, eerr)
	default:
		ec2WriteReply(w, action, reqID, body)
	}
}

func (e *EC2) serve(action, keyID, region string, f ec2Form) (ec2Reply, *ec2Error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.accessKey != "" && keyID != e.accessKey {
		return nil, &ec2Error{http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials"}
	}
	for i, inj := range e.injected {
		if inj.action == action {
			e.injected = append(e.injected[:i:i], e.injected[i+1:]...)
			return nil, inj.err
		}
	}
	fn, ok := ec2Actions[action]
	if !ok {
		return nil, &ec2Error{http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("The action %s is not valid for this web service.", action)}
	}
	return fn(e, e.region(region), f)
}

// sigV4Scope reads the access key id and region from an Authorization
// header such as "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/ec2/
// aws4_request, SignedHeaders=..., Signature=...". An unsigned call is in
// us-east-1 with no key id.
func sigV4Scope(auth string) (keyID, region string) {
	region = "us-east-1"
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "", region
	}
	cred, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) >= 3 && parts[2] != "" {
		region = parts[2]
	}
	return parts[0], region
}

func (e *EC2) requestID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", e.seq, e.seq)
}

// newID returns a fresh resource id like "i-0000000000000001a".
func (e *EC2) newID(prefix string) string {
	e.seq++
	return fmt.Sprintf("%s-%017x", prefix, e.seq)
}
