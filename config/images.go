package config

import (
	"fmt"
	"strings"
)

// Images says which images people may boot beyond the clouds' public
// distribution images (their catalogs'), which everyone may boot.
type Images struct {
	// Allowed are the custom image ids (an AMI, a DigitalOcean or Hetzner
	// image id) anyone may boot with `up --image`: "id" on any cloud, or
	// "cloud:id" on that cloud only. Admins may boot any id. Empty (the
	// default): only admins boot custom images.
	Allowed []string
}

// images checks that each allowed image names a known cloud, if any.
func (v *validator) images() {
	for i, id := range v.c.Images.Allowed {
		path := fmt.Sprintf("images.allowed[%d]", i)
		cloud, rest, found := strings.Cut(id, ":")
		switch {
		case strings.TrimSpace(id) == "":
			v.add(path, "is empty; give an image id, or cloud:id")
		case found && v.c.Cloud(cloud) == nil:
			v.add(path, "%s", notACloud(cloud))
		case found && rest == "":
			v.add(path, "%q names no image after the cloud (example: hetzner:12345678)", id)
		}
	}
}
