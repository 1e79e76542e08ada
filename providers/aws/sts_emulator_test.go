package aws

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// stsEmulator answers AssumeRole and AssumeRoleWithWebIdentity with the
// role's keys, recording the form of each call and the key that signed it.
type stsEmulator struct {
	*httptest.Server
	mu    sync.Mutex
	calls []stsCall
}

type stsCall struct {
	action, role, session, externalID, token, signer string
}

func newSTS(t *testing.T) *stsEmulator {
	e := &stsEmulator{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c := stsCall{action: r.Form.Get("Action"), role: r.Form.Get("RoleArn"), session: r.Form.Get("RoleSessionName"),
			externalID: r.Form.Get("ExternalId"), token: r.Form.Get("WebIdentityToken")}
		if _, after, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
			c.signer, _, _ = strings.Cut(after, "/")
		}
		e.mu.Lock()
		e.calls = append(e.calls, c)
		e.mu.Unlock()
		if c.action != "AssumeRole" && c.action != "AssumeRoleWithWebIdentity" {
			http.Error(w, "unknown action", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<%[1]sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <%[1]sResult>
    <Credentials>
      <AccessKeyId>ASIAROLE</AccessKeyId>
      <SecretAccessKey>%[2]s</SecretAccessKey>
      <SessionToken>%[3]s</SessionToken>
      <Expiration>%[4]s</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>%[5]s/x</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser>
  </%[1]sResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</%[1]sResponse>`, c.action, roleSecret, roleToken, time.Now().Add(time.Hour).UTC().Format(time.RFC3339), c.role)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *stsEmulator) only(t *testing.T) stsCall {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.calls) != 1 {
		t.Fatalf("STS calls = %+v, want one", e.calls)
	}
	return e.calls[0]
}
