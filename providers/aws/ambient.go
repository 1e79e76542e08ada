package aws

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// The credentials of the place the bot runs in: an ECS task role or EKS
// Pod Identity through the container endpoint, else the EC2 instance role
// through the instance metadata service.

// Addresses the container and instance credential sources use.
const (
	// ecsCredentialsHost is where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
	// points, as the SDKs define it.
	ecsCredentialsHost = "http://169.254.170.2"
	imdsEndpointIPv4   = "http://169.254.169.254"
	imdsEndpointIPv6   = "http://[fd00:ec2::254]"
)

// containerHosts are the addresses a plain-HTTP container credentials
// endpoint may have besides loopback: the ECS agent and EKS Pod Identity.
var containerHosts = []net.IP{
	net.ParseIP("169.254.170.2"), net.ParseIP("169.254.170.23"), net.ParseIP("fd00:ec2::23"),
}

// ambient returns the credentials of the place the bot runs in: the
// container's endpoint, else the instance role; nil when the instance
// metadata service is disabled too.
func (r *resolver) ambient() (awssdk.CredentialsProvider, error) {
	p, err := r.container()
	if p != nil || err != nil {
		return p, err
	}
	if p := r.instance(); p != nil {
		return p, nil
	}
	return nil, nil
}

// container returns the provider of the ECS task role or EKS Pod
// Identity, nil when neither container variable is set.
func (r *resolver) container() (awssdk.CredentialsProvider, error) {
	var endpoint string
	if rel := strings.TrimSpace(r.env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")); rel != "" {
		endpoint = ecsCredentialsHost + rel
	} else if full := strings.TrimSpace(r.env("AWS_CONTAINER_CREDENTIALS_FULL_URI")); full != "" {
		if err := checkContainerURL(full); err != nil {
			return nil, err
		}
		endpoint = full
	} else {
		return nil, nil
	}
	token := strings.TrimSpace(r.env("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
	tokenFile := strings.TrimSpace(r.env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"))
	return endpointcreds.New(endpoint, func(o *endpointcreds.Options) {
		o.AuthorizationToken = token
		if tokenFile != "" {
			// Read at each fetch: EKS Pod Identity rotates the file.
			o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
				b, err := os.ReadFile(tokenFile)
				if err != nil {
					return "", fmt.Errorf("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %w", err)
				}
				return strings.TrimSpace(string(b)), nil
			})
		}
	}), nil
}

// checkContainerURL refuses a plain-HTTP container credentials endpoint
// off the machine, as the SDKs do: the credentials would cross the network
// in clear. Host names other than localhost are refused rather than
// resolved, to do no network I/O here.
func checkContainerURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI %q is not a URL with a host", raw)
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme != "http" {
		return fmt.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI %q is neither http nor https", raw)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return nil
		}
		for _, c := range containerHosts {
			if ip.Equal(c) {
				return nil
			}
		}
	}
	return fmt.Errorf("AWS_CONTAINER_CREDENTIALS_FULL_URI %q: plain http is allowed only to loopback or the ECS and EKS agent addresses", raw)
}

// instance returns the EC2 instance role provider, nil when
// AWS_EC2_METADATA_DISABLED is true.
func (r *resolver) instance() awssdk.CredentialsProvider {
	if strings.EqualFold(strings.TrimSpace(r.env("AWS_EC2_METADATA_DISABLED")), "true") {
		return nil
	}
	o := imds.Options{ClientEnableState: imds.ClientEnabled, Endpoint: strings.TrimSpace(r.env("AWS_EC2_METADATA_SERVICE_ENDPOINT"))}
	if strings.EqualFold(strings.TrimSpace(r.env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")), "IPv6") {
		o.EndpointMode = imds.EndpointModeStateIPv6
	}
	if o.Endpoint == "" {
		// Named here, so that the client does not read the process
		// environment behind env's back.
		o.Endpoint = imdsEndpointIPv4
		if o.EndpointMode == imds.EndpointModeStateIPv6 {
			o.Endpoint = imdsEndpointIPv6
		}
	}
	client := imds.New(o)
	return ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = client })
}
