package hetzner

import (
	"context"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
)

// computeAPI is the part of hcloud-go the provider uses. Its errors are
// already typed (*providers.Error) where the kind is known.
type computeAPI interface {
	CreateServer(ctx context.Context, opts hcloud.ServerCreateOpts) (*hcloud.Server, error)
	// GetServer returns nil, nil when the server does not exist.
	GetServer(ctx context.Context, id int64) (*hcloud.Server, error)
	// ListServers calls each for every server the label selector matches,
	// a page at a time, so that only one page of the SDK's records is
	// held at once.
	ListServers(ctx context.Context, labelSelector string, each func(*hcloud.Server)) error
	DeleteServer(ctx context.Context, id int64) error
	// CreateSnapshot starts create_image and waits for its action.
	CreateSnapshot(ctx context.Context, serverID int64, opts hcloud.ServerCreateImageOpts) (*hcloud.Image, error)
	// GetImage returns nil, nil when the image does not exist.
	GetImage(ctx context.Context, id int64) (*hcloud.Image, error)
	ListImages(ctx context.Context, opts hcloud.ImageListOpts) ([]*hcloud.Image, error)
	DeleteImage(ctx context.Context, id int64) error
	ServerTypes(ctx context.Context) ([]*hcloud.ServerType, error)
	Locations(ctx context.Context) ([]*hcloud.Location, error)
	Pricing(ctx context.Context) (hcloud.Pricing, error)
}

// sdkAPI is computeAPI on a real hcloud-go client.
type sdkAPI struct{ c *hcloud.Client }

// listPerPage is the largest page the API serves.
const listPerPage = 50

func (a sdkAPI) CreateServer(ctx context.Context, opts hcloud.ServerCreateOpts) (*hcloud.Server, error) {
	res, resp, err := a.c.Server.Create(ctx, opts)
	if err != nil {
		return nil, typed("create server", resp, err)
	}
	return res.Server, nil
}

func (a sdkAPI) GetServer(ctx context.Context, id int64) (*hcloud.Server, error) {
	s, resp, err := a.c.Server.GetByID(ctx, id)
	return s, typed("get server", resp, err)
}

func (a sdkAPI) ListServers(ctx context.Context, selector string, each func(*hcloud.Server)) error {
	opts := hcloud.ServerListOpts{ListOpts: hcloud.ListOpts{LabelSelector: selector, PerPage: listPerPage, Page: 1}}
	for {
		servers, resp, err := a.c.Server.List(ctx, opts)
		if err != nil {
			return typed("list servers", resp, err)
		}
		for _, s := range servers {
			each(s)
		}
		if resp == nil || resp.Meta.Pagination == nil || resp.Meta.Pagination.NextPage == 0 || len(servers) == 0 {
			return nil
		}
		opts.Page = resp.Meta.Pagination.NextPage
	}
}

func (a sdkAPI) DeleteServer(ctx context.Context, id int64) error {
	_, resp, err := a.c.Server.DeleteWithResult(ctx, &hcloud.Server{ID: id})
	return typed("delete server", resp, err)
}

func (a sdkAPI) CreateSnapshot(ctx context.Context, serverID int64, opts hcloud.ServerCreateImageOpts) (*hcloud.Image, error) {
	res, resp, err := a.c.Server.CreateImage(ctx, &hcloud.Server{ID: serverID}, &opts)
	if err != nil {
		return nil, typed("create snapshot", resp, err)
	}
	if err := a.c.Action.WaitFor(ctx, res.Action); err != nil {
		return nil, typed("wait for snapshot", nil, err)
	}
	return res.Image, nil
}

func (a sdkAPI) GetImage(ctx context.Context, id int64) (*hcloud.Image, error) {
	img, resp, err := a.c.Image.GetByID(ctx, id)
	return img, typed("get image", resp, err)
}

func (a sdkAPI) ListImages(ctx context.Context, opts hcloud.ImageListOpts) ([]*hcloud.Image, error) {
	opts.PerPage = listPerPage
	images, err := a.c.Image.AllWithOpts(ctx, opts)
	return images, typed("list images", nil, err)
}

func (a sdkAPI) DeleteImage(ctx context.Context, id int64) error {
	resp, err := a.c.Image.Delete(ctx, &hcloud.Image{ID: id})
	return typed("delete image", resp, err)
}

func (a sdkAPI) ServerTypes(ctx context.Context) ([]*hcloud.ServerType, error) {
	types, err := a.c.ServerType.AllWithOpts(ctx, hcloud.ServerTypeListOpts{ListOpts: hcloud.ListOpts{PerPage: listPerPage}})
	return types, typed("list server types", nil, err)
}

func (a sdkAPI) Locations(ctx context.Context) ([]*hcloud.Location, error) {
	locs, err := a.c.Location.AllWithOpts(ctx, hcloud.LocationListOpts{ListOpts: hcloud.ListOpts{PerPage: listPerPage}})
	return locs, typed("list locations", nil, err)
}

func (a sdkAPI) Pricing(ctx context.Context) (hcloud.Pricing, error) {
	p, resp, err := a.c.Pricing.Get(ctx)
	return p, typed("get pricing", resp, err)
}
