package aws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"
)

func TestCredentialsContainer(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		if auth != containerToken {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"code":"AccessDenied","message":"bad token"}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": containerSecret,
			"Token": "t", "Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	}))
	defer srv.Close()
	env := credEnv(t)
	env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = srv.URL + "/v1/credentials"
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeTemp(t, tokenFile, containerToken+"\n", 0o600)
	env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = tokenFile
	wantKey(t, env, "ASIACONTAINER")

	delete(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
	env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong" + containerToken
	wantErr(t, env)

	env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://192.0.2.7/creds"
	wantErr(t, env, "loopback")
}

func TestCredentialsInstanceRole(t *testing.T) {
	const token = "imds-session-token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/latest/api/token" {
			if r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds") == "" {
				http.Error(w, "no TTL", http.StatusBadRequest)
				return
			}
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600")
			fmt.Fprint(w, token)
			return
		}
		if r.Header.Get("X-Aws-Ec2-Metadata-Token") != token {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/latest/meta-data/iam/security-credentials/":
			fmt.Fprint(w, "spuff-role")
		case "/latest/meta-data/iam/security-credentials/spuff-role":
			json.NewEncoder(w).Encode(map[string]string{"Code": "Success", "Type": "AWS-HMAC",
				"AccessKeyId": "ASIAIMDS", "SecretAccessKey": imdsSecret, "Token": "t",
				"LastUpdated": time.Now().UTC().Format(time.RFC3339),
				"Expiration":  time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	env := credEnv(t)
	delete(env, "AWS_EC2_METADATA_DISABLED")
	env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = srv.URL
	wantKey(t, env, "ASIAIMDS")
}
