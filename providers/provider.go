// Package providers defines the contract every cloud implements: the Provider
// interface, the instance, snapshot and catalog types, the typed errors that
// callers match with errors.Is and errors.As, and the registry of clouds
// (Register, Registered) that builds a provider by name from the
// environment.
//
// Sub-packages hold one cloud each (digitalocean, hetzner, aws, demo), which
// registers itself with its name, label, credentials, endpoint and
// settings, and providertest, the behaviour suite every provider passes and
// the emulators of the clouds' APIs. docs/providers.md describes the
// contract and how to add a cloud.
package providers

import (
	"context"
	"time"
)

// Labels that spuff puts on everything it creates. ListInstances and
// ListSnapshots return only resources carrying LabelManagedBy=ManagedByValue.
const (
	LabelManagedBy = "managed-by"
	ManagedByValue = "spuff"
	LabelOwner     = "spuff-owner"
	LabelOp        = "spuff-op"
)

// Provider is a cloud that can run spuff's dev VMs.
//
// Implementations are safe for concurrent use. Every method honours ctx.
type Provider interface {
	// Name returns the registry name of the provider ("digitalocean", ...).
	Name() string
	// CreateInstance starts creating an instance and returns it as soon as
	// the cloud has accepted it (usually with status StatusNew). The
	// request's Labels are applied together with LabelManagedBy.
	CreateInstance(ctx context.Context, req InstanceRequest) (*Instance, error)
	// DestroyInstance deletes an instance. An instance that is already gone
	// is success.
	DestroyInstance(ctx context.Context, id string) error
	// GetInstance returns the instance, or nil, nil when it does not exist.
	GetInstance(ctx context.Context, id string) (*Instance, error)
	// ListInstances returns every instance labelled managed-by=spuff.
	ListInstances(ctx context.Context) ([]Instance, error)
	// WaitReady blocks until the instance is active and has a public IP,
	// and returns it; it stops with ctx's error when ctx ends.
	WaitReady(ctx context.Context, id string) (*Instance, error)
	// CreateSnapshot snapshots an instance and waits until the cloud's
	// action has finished. The request's Labels are applied together with
	// LabelManagedBy; the snapshot's Owner is read back from LabelOwner.
	CreateSnapshot(ctx context.Context, req SnapshotRequest) (*Snapshot, error)
	// ListSnapshots returns spuff's snapshots only.
	ListSnapshots(ctx context.Context) ([]Snapshot, error)
	// DeleteSnapshot deletes a snapshot. A snapshot that is already gone is
	// success.
	DeleteSnapshot(ctx context.Context, id string) error
	// Catalog returns the sizes, regions and images the provider offers.
	Catalog(ctx context.Context) (*Catalog, error)
}

// Status is the lifecycle state of an instance, normalised across clouds.
type Status string

// Instance states.
const (
	StatusNew      Status = "new"
	StatusActive   Status = "active"
	StatusOff      Status = "off"
	StatusArchived Status = "archived"
	StatusUnknown  Status = "unknown"
)

// ImageKind says how an ImageSpec names its image.
type ImageKind string

// Image kinds.
const (
	ImageUbuntu   ImageKind = "ubuntu"   // Version like "24.04"
	ImageDebian   ImageKind = "debian"   // Version like "12"
	ImageCustom   ImageKind = "custom"   // ID is the cloud's own image id
	ImageSnapshot ImageKind = "snapshot" // ID is a snapshot id
)

// ImageSpec names the image a new instance boots from. The zero value means
// the provider's default (the newest Ubuntu LTS).
type ImageSpec struct {
	Kind    ImageKind
	Version string // for ImageUbuntu and ImageDebian
	ID      string // for ImageCustom and ImageSnapshot
}

// String returns a short readable form such as "ubuntu-24.04".
func (s ImageSpec) String() string {
	switch s.Kind {
	case "":
		return "ubuntu-24.04"
	case ImageUbuntu, ImageDebian:
		return string(s.Kind) + "-" + s.Version
	default:
		return string(s.Kind) + ":" + s.ID
	}
}

// InstanceRequest describes an instance to create.
type InstanceRequest struct {
	Name     string
	Region   string
	Size     string
	Image    ImageSpec
	UserData string
	// Labels are extra labels such as LabelOwner and LabelOp. Providers
	// sanitise keys and values to their own rules.
	Labels map[string]string
	// SSHKeys are public keys in authorized_keys form; a provider may
	// register them with the cloud or rely on UserData.
	SSHKeys []string
}

// Instance is a VM as a provider reports it.
type Instance struct {
	ID      string
	Name    string
	IP      string // public IPv4, empty until assigned
	Status  Status
	Region  string
	Size    string
	Created time.Time
	Labels  map[string]string
}

// Ready reports whether the instance is active and has a public IP.
func (i *Instance) Ready() bool { return i != nil && i.Status == StatusActive && i.IP != "" }

// SnapshotRequest describes a snapshot to make.
type SnapshotRequest struct {
	InstanceID string
	Name       string
	// Labels are extra labels such as LabelOwner and LabelOp. Providers
	// sanitise keys and values to their own rules.
	Labels map[string]string
}

// Snapshot is a saved disk image made by spuff.
type Snapshot struct {
	ID      string
	Name    string
	SizeGB  float64
	Created time.Time
	Regions []string
	// Owner is the snapshot's LabelOwner as the cloud keeps it: who made
	// it. It is empty for a snapshot made without one (before spuffbot
	// recorded owners at the cloud).
	Owner string
}

// Catalog lists what a provider offers.
type Catalog struct {
	Sizes   []Size
	Regions []Region
	Images  []Image
	// PricesEstimated reports whether prices are estimates rather than the
	// cloud's own figures (AWS prices come from an embedded table).
	PricesEstimated bool
	// SnapshotMonthlyPerGB is the storage price of snapshots in USD per GB
	// and month, zero when unknown.
	SnapshotMonthlyPerGB float64
}

// Size is a machine size (DigitalOcean "size", Hetzner "server type", AWS
// "instance type").
type Size struct {
	Slug        string
	VCPUs       int
	MemoryMB    int
	DiskGB      int
	PriceHourly float64  // USD
	Regions     []string // empty means every region
	Available   bool
}

// Region is a place where instances can run.
type Region struct {
	Slug      string
	Name      string
	Available bool
}

// Image is a bootable image the provider knows.
type Image struct {
	Slug string
	Name string
}

// Size returns the size with the given slug.
func (c *Catalog) Size(slug string) (Size, bool) {
	for _, s := range c.Sizes {
		if s.Slug == slug {
			return s, true
		}
	}
	return Size{}, false
}

// Region returns the region with the given slug.
func (c *Catalog) Region(slug string) (Region, bool) {
	for _, r := range c.Regions {
		if r.Slug == slug {
			return r, true
		}
	}
	return Region{}, false
}

// Offered reports whether size is offered in region.
func (s Size) Offered(region string) bool {
	if len(s.Regions) == 0 {
		return true
	}
	for _, r := range s.Regions {
		if r == region {
			return true
		}
	}
	return false
}

// HoursPerMonth is the number of hours clouds bill as one month.
const HoursPerMonth = 730
