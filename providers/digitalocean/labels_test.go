package digitalocean

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers"
)

func TestLabelsToTags(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		want   []string
	}{
		{"none", nil, []string{"spuff"}},
		{"spuff labels", map[string]string{"spuff-owner": "U024BE7LH", "spuff-op": "op-1", "managed-by": "spuff"},
			[]string{"spuff", "spuff-op:op-1", "spuff-owner:U024BE7LH"}},
		{"sanitised", map[string]string{"spuff-owner": "alice@example.com", "team name": "web/api"},
			[]string{"spuff", "spuff-owner:alice_example_com", "team_name:web_api"}},
		{"colon in key and value", map[string]string{"a:b": "c:d"}, []string{"spuff", "a_b:c:d"}},
		{"empty value", map[string]string{"pet": ""}, []string{"spuff", "pet"}},
		{"long value", map[string]string{"k": strings.Repeat("x", 300)}, []string{"spuff", "k:" + strings.Repeat("x", 253)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := labelsToTags(tt.labels)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("labelsToTags(%v) mismatch (-want +got):\n%s", tt.labels, diff)
			}
		})
	}
}

func TestTagsToLabels(t *testing.T) {
	tests := []struct {
		tags []string
		want map[string]string
	}{
		{[]string{"spuff", "spuff-owner:U1", "spuff-op:op-1"},
			map[string]string{"managed-by": "spuff", "spuff-owner": "U1", "spuff-op": "op-1"}},
		{[]string{"web", "a_b:c:d"}, map[string]string{"web": "", "a_b": "c:d"}},
		{nil, map[string]string{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tagsToLabels(tt.tags)); diff != "" {
			t.Errorf("tagsToLabels(%q) mismatch (-want +got):\n%s", tt.tags, diff)
		}
	}
}

func TestDropletName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"spuff-alice-1", "spuff-alice-1"},
		{"dev box_1", "dev-box-1"},
		{"-x.", "x"},
		{"é", "spuff"},
		{"", "spuff"},
	}
	for _, tt := range tests {
		if got := dropletName(tt.in); got != tt.want {
			t.Errorf("dropletName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDropletImage(t *testing.T) {
	tests := []struct {
		spec    providers.ImageSpec
		want    godo.DropletCreateImage
		wantErr error
	}{
		{providers.ImageSpec{}, godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, nil},
		{providers.ImageSpec{Kind: providers.ImageUbuntu}, godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, nil},
		{providers.ImageSpec{Kind: providers.ImageUbuntu, Version: "24.04"}, godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, nil},
		{providers.ImageSpec{Kind: providers.ImageUbuntu, Version: "22.04"}, godo.DropletCreateImage{Slug: "ubuntu-22-04-x64"}, nil},
		{providers.ImageSpec{Kind: providers.ImageDebian, Version: "12"}, godo.DropletCreateImage{Slug: "debian-12-x64"}, nil},
		{providers.ImageSpec{Kind: providers.ImageDebian}, godo.DropletCreateImage{Slug: "debian-12-x64"}, nil},
		{providers.ImageSpec{Kind: providers.ImageCustom, ID: "123456"}, godo.DropletCreateImage{ID: 123456}, nil},
		{providers.ImageSpec{Kind: providers.ImageCustom, ID: "docker-20-04"}, godo.DropletCreateImage{Slug: "docker-20-04"}, nil},
		{providers.ImageSpec{Kind: providers.ImageSnapshot, ID: "987"}, godo.DropletCreateImage{ID: 987}, nil},
		{providers.ImageSpec{Kind: providers.ImageSnapshot, ID: "snap-x"}, godo.DropletCreateImage{}, providers.ErrInvalid},
		{providers.ImageSpec{Kind: providers.ImageUbuntu, Version: "noble"}, godo.DropletCreateImage{}, providers.ErrInvalid},
		{providers.ImageSpec{Kind: "windows"}, godo.DropletCreateImage{}, providers.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.spec.String(), func(t *testing.T) {
			got, err := dropletImage(tt.spec)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("dropletImage(%+v) error = %v, want %v", tt.spec, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("dropletImage(%+v) = %+v, want %+v", tt.spec, got, tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Unix(1700000000, 0)
	tests := []struct {
		name    string
		headers map[string]string
		want    time.Duration
	}{
		{"seconds", map[string]string{"Retry-After": "12"}, 12 * time.Second},
		{"http date", map[string]string{"Retry-After": now.Add(90 * time.Second).UTC().Format(http.TimeFormat)}, 90 * time.Second},
		{"reset", map[string]string{"RateLimit-Reset": "1700000030"}, 30 * time.Second},
		{"retry-after wins", map[string]string{"Retry-After": "2", "RateLimit-Reset": "1700000030"}, 2 * time.Second},
		{"reset in the past", map[string]string{"RateLimit-Reset": "1699999990"}, 0},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0},
		{"none", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			if got := retryAfter(h, now); got != tt.want {
				t.Errorf("retryAfter(%v) = %v, want %v", tt.headers, got, tt.want)
			}
		})
	}
}

func TestRetryWait(t *testing.T) {
	p := &Provider{maxRetries: 3, retryBackoff: 10 * time.Millisecond, maxRetryWait: time.Second}
	limited := func(d time.Duration) error {
		return &providers.Error{Provider: Name, Op: "x", Kind: providers.ErrRateLimited, RetryAfter: d}
	}
	transientErr := &transientError{op: "x", status: 500, err: errors.New("boom")}
	tests := []struct {
		name        string
		err         error
		transientOK bool
		attempt     int
		wantOK      bool
		min, max    time.Duration
	}{
		{"rate limit wait honoured", limited(300 * time.Millisecond), false, 0, true, 300 * time.Millisecond, 300 * time.Millisecond},
		{"rate limit wait capped", limited(time.Hour), false, 0, true, time.Second, time.Second},
		{"rate limit without wait backs off", limited(0), false, 2, true, 20 * time.Millisecond, 40 * time.Millisecond},
		{"transient when allowed", transientErr, true, 1, true, 10 * time.Millisecond, 20 * time.Millisecond},
		{"transient when not allowed", transientErr, false, 0, false, 0, 0},
		{"invalid never", &providers.Error{Kind: providers.ErrInvalid}, true, 0, false, 0, 0},
		{"out of attempts", limited(time.Millisecond), true, 3, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := p.retryWait(tt.err, tt.transientOK, tt.attempt)
			if ok != tt.wantOK || got < tt.min || got > tt.max {
				t.Errorf("retryWait(%v, %v, %d) = %v, %v, want %v in [%v, %v]", tt.err, tt.transientOK, tt.attempt, got, ok, tt.wantOK, tt.min, tt.max)
			}
		})
	}
}
