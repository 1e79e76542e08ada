package digitalocean

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/digitalocean/godo"

	"github.com/spuffbot/spuffbot/providers"
)

// managedTag is the tag that stands for managed-by=spuff on DigitalOcean.
const managedTag = providers.ManagedByValue

// maxTagLen is DigitalOcean's limit on a tag name.
const maxTagLen = 255

// labelsToTags turns labels into droplet tags: always the spuff tag, then
// "key:value" (or "key" for an empty value) for every other label, sorted.
// Keys and values are sanitised to the characters DigitalOcean allows.
func labelsToTags(labels map[string]string) []string {
	tags := []string{managedTag}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if k == providers.LabelManagedBy {
			continue
		}
		key := sanitizeTag(k, false)
		if key == "" {
			continue
		}
		tag := key
		if v := labels[k]; v != "" {
			tag += ":" + sanitizeTag(v, true)
		}
		tags = append(tags, truncate(tag, maxTagLen))
	}
	return tags
}

// tagsToLabels is the inverse of labelsToTags: the spuff tag becomes
// managed-by=spuff, "key:value" becomes key=value and a bare tag key="".
func tagsToLabels(tags []string) map[string]string {
	labels := make(map[string]string, len(tags))
	for _, t := range tags {
		if t == managedTag {
			labels[providers.LabelManagedBy] = providers.ManagedByValue
			continue
		}
		k, v, _ := strings.Cut(t, ":")
		labels[k] = v
	}
	return labels
}

// opTag returns the spuff-op tag of labels, or "" when there is none.
func opTag(labels map[string]string) string {
	v := labels[providers.LabelOp]
	if v == "" {
		return ""
	}
	return truncate(providers.LabelOp+":"+sanitizeTag(v, true), maxTagLen)
}

// hasTag reports whether tags holds tag.
func hasTag(tags []string, tag string) bool { return slices.Contains(tags, tag) }

// sanitizeTag replaces every character DigitalOcean does not allow in a tag
// (letters, digits, '-', '_' and ':') with '_'. A key may not hold ':', so
// keys get '_' there too.
func sanitizeTag(s string, colonOK bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ':' && colonOK:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// dropletName turns name into a valid hostname-like droplet name: only
// letters, digits, '.' and '-', at most 255 characters, never empty.
func dropletName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.Trim(truncate(b.String(), 255), "-.")
	if s == "" {
		return "spuff"
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] // only ASCII remains after sanitising
	}
	return s
}

var versionRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)

// dropletImage resolves an image spec: Ubuntu and Debian versions become
// DigitalOcean's distribution slugs (24.04 -> ubuntu-24-04-x64, 12 ->
// debian-12-x64); custom and snapshot ids pass through, as a numeric id or,
// for custom images, as a slug.
func dropletImage(spec providers.ImageSpec) (godo.DropletCreateImage, error) {
	const op = "resolve image"
	switch spec.Kind {
	case "", providers.ImageUbuntu, providers.ImageDebian:
		kind, version := spec.Kind, spec.Version
		if kind == "" {
			kind, version = providers.ImageUbuntu, ""
		}
		if version == "" {
			version = map[providers.ImageKind]string{providers.ImageUbuntu: "24.04", providers.ImageDebian: "12"}[kind]
		}
		if !versionRE.MatchString(version) {
			return godo.DropletCreateImage{}, invalid(op, "%s version %q is not a version number", kind, version)
		}
		slug := string(kind) + "-" + strings.ReplaceAll(version, ".", "-") + "-x64"
		return godo.DropletCreateImage{Slug: slug}, nil
	case providers.ImageCustom, providers.ImageSnapshot:
		id := strings.TrimSpace(spec.ID)
		if n, err := strconv.Atoi(id); err == nil && n > 0 {
			return godo.DropletCreateImage{ID: n}, nil
		}
		if spec.Kind == providers.ImageCustom && id != "" {
			return godo.DropletCreateImage{Slug: id}, nil
		}
		return godo.DropletCreateImage{}, invalid(op, "%s image id %q is not a DigitalOcean image id", spec.Kind, spec.ID)
	default:
		return godo.DropletCreateImage{}, invalid(op, "unknown image kind %q", spec.Kind)
	}
}

// distributionImages are the images Catalog lists: the distributions the
// image spec resolves to.
var distributionImages = []providers.Image{
	{Slug: "ubuntu-24-04-x64", Name: "Ubuntu 24.04 (LTS) x64"},
	{Slug: "ubuntu-22-04-x64", Name: "Ubuntu 22.04 (LTS) x64"},
	{Slug: "debian-12-x64", Name: "Debian 12 x64"},
}
