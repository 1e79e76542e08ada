package aws

import (
	"fmt"
	"testing"
)

func TestParseShared(t *testing.T) {
	got := parseShared(`
[default]
region=us-east-1
; comment
[ profile  bot ] # comment
Role_ARN = "arn:aws:iam::1:role/r"
external_id = a#b
credential_process = helper
  --flag
s3 =
  addressing_style = path
region = eu-west-3
[sso-session corp]
sso_region = eu-west-1
[nameless]
region = x
`, false)
	want := map[string]map[string]string{
		"default": {"region": "us-east-1"},
		"bot": {"role_arn": "arn:aws:iam::1:role/r", "external_id": "a#b", "credential_process": "helper\n--flag",
			"s3": "", "region": "eu-west-3"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parseShared() = %v, want %v", got, want)
	}
	creds := parseShared("[bot]\naws_access_key_id = A\n[profile x]\naws_access_key_id = B\n", true)
	if len(creds) != 1 || creds["bot"]["aws_access_key_id"] != "A" {
		t.Errorf("parseShared(credentials) = %v, want only [bot]", creds)
	}
}
