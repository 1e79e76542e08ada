package digitalocean

import (
	"context"
	"errors"

	"github.com/digitalocean/godo"

	"github.com/spuffbot/spuffbot/providers"
)

// computeAPI lists the godo calls the provider makes. Implementations
// return errors already mapped by apiError: *providers.Error for the typed
// kinds, *transientError for failures worth retrying.
type computeAPI interface {
	createDroplet(ctx context.Context, req *godo.DropletCreateRequest) (*godo.Droplet, error)
	getDroplet(ctx context.Context, id int) (*godo.Droplet, error)
	listDropletsByTag(ctx context.Context, tag string, opt *godo.ListOptions) ([]godo.Droplet, bool, error)
	deleteDroplet(ctx context.Context, id int) error
	snapshotDroplet(ctx context.Context, id int, name string) (*godo.Action, error)
	getAction(ctx context.Context, id int) (*godo.Action, error)
	listDropletSnapshots(ctx context.Context, opt *godo.ListOptions) ([]godo.Snapshot, bool, error)
	getSnapshot(ctx context.Context, id string) (*godo.Snapshot, error)
	deleteSnapshot(ctx context.Context, id string) error
	tagImage(ctx context.Context, tag, imageID string) error
	listSizes(ctx context.Context, opt *godo.ListOptions) ([]godo.Size, bool, error)
	listRegions(ctx context.Context, opt *godo.ListOptions) ([]godo.Region, bool, error)
	getKey(ctx context.Context, fingerprint string) (*godo.Key, error)
	createKey(ctx context.Context, req *godo.KeyCreateRequest) (*godo.Key, error)
}

// godoAPI is the computeAPI of a real godo client.
type godoAPI struct{ c *godo.Client }

func (a *godoAPI) createDroplet(ctx context.Context, req *godo.DropletCreateRequest) (*godo.Droplet, error) {
	d, resp, err := a.c.Droplets.Create(ctx, req)
	return d, apiError(ctx, "create droplet", resp, err)
}

func (a *godoAPI) getDroplet(ctx context.Context, id int) (*godo.Droplet, error) {
	d, resp, err := a.c.Droplets.Get(ctx, id)
	return d, apiError(ctx, "get droplet", resp, err)
}

func (a *godoAPI) listDropletsByTag(ctx context.Context, tag string, opt *godo.ListOptions) ([]godo.Droplet, bool, error) {
	ds, resp, err := a.c.Droplets.ListByTag(ctx, tag, opt)
	return ds, lastPage(resp), apiError(ctx, "list droplets", resp, err)
}

func (a *godoAPI) deleteDroplet(ctx context.Context, id int) error {
	resp, err := a.c.Droplets.Delete(ctx, id)
	return apiError(ctx, "delete droplet", resp, err)
}

func (a *godoAPI) snapshotDroplet(ctx context.Context, id int, name string) (*godo.Action, error) {
	act, resp, err := a.c.DropletActions.Snapshot(ctx, id, name)
	return act, apiError(ctx, "snapshot droplet", resp, err)
}

func (a *godoAPI) getAction(ctx context.Context, id int) (*godo.Action, error) {
	act, resp, err := a.c.Actions.Get(ctx, id)
	return act, apiError(ctx, "get action", resp, err)
}

func (a *godoAPI) listDropletSnapshots(ctx context.Context, opt *godo.ListOptions) ([]godo.Snapshot, bool, error) {
	ss, resp, err := a.c.Snapshots.ListDroplet(ctx, opt)
	return ss, lastPage(resp), apiError(ctx, "list snapshots", resp, err)
}

func (a *godoAPI) getSnapshot(ctx context.Context, id string) (*godo.Snapshot, error) {
	s, resp, err := a.c.Snapshots.Get(ctx, id)
	return s, apiError(ctx, "get snapshot", resp, err)
}

func (a *godoAPI) deleteSnapshot(ctx context.Context, id string) error {
	resp, err := a.c.Snapshots.Delete(ctx, id)
	return apiError(ctx, "delete snapshot", resp, err)
}

// tagImage creates tag (a tag that exists already is fine) and puts it on
// the image imageID: a snapshot action cannot tag what it makes.
func (a *godoAPI) tagImage(ctx context.Context, tag, imageID string) error {
	_, resp, err := a.c.Tags.Create(ctx, &godo.TagCreateRequest{Name: tag})
	if err := apiError(ctx, "create tag", resp, err); err != nil &&
		!errors.Is(err, providers.ErrConflict) && !errors.Is(err, providers.ErrInvalid) {
		return err
	}
	resp, err = a.c.Tags.TagResources(ctx, tag, &godo.TagResourcesRequest{
		Resources: []godo.Resource{{ID: imageID, Type: godo.ImageResourceType}}})
	return apiError(ctx, "tag snapshot", resp, err)
}

func (a *godoAPI) listSizes(ctx context.Context, opt *godo.ListOptions) ([]godo.Size, bool, error) {
	ss, resp, err := a.c.Sizes.List(ctx, opt)
	return ss, lastPage(resp), apiError(ctx, "list sizes", resp, err)
}

func (a *godoAPI) listRegions(ctx context.Context, opt *godo.ListOptions) ([]godo.Region, bool, error) {
	rs, resp, err := a.c.Regions.List(ctx, opt)
	return rs, lastPage(resp), apiError(ctx, "list regions", resp, err)
}

func (a *godoAPI) getKey(ctx context.Context, fingerprint string) (*godo.Key, error) {
	k, resp, err := a.c.Keys.GetByFingerprint(ctx, fingerprint)
	return k, apiError(ctx, "get ssh key", resp, err)
}

func (a *godoAPI) createKey(ctx context.Context, req *godo.KeyCreateRequest) (*godo.Key, error) {
	k, resp, err := a.c.Keys.Create(ctx, req)
	return k, apiError(ctx, "create ssh key", resp, err)
}

// lastPage reports whether resp is the last page of a list.
func lastPage(resp *godo.Response) bool {
	return resp == nil || resp.Links == nil || resp.Links.IsLastPage()
}

// listAll returns conv of each item of every page that conv keeps. It
// converts each page as it arrives, so that only one page of the SDK's
// records is held at a time: a godo.Droplet carries its region's and
// size's whole descriptions, and 10,000 of them held until the last page
// came were most of a 34 MB heap.
func listAll[T, U any](ctx context.Context, p *Provider, list func(context.Context, *godo.ListOptions) ([]T, bool, error), conv func(*T) (U, bool)) ([]U, error) {
	var out []U
	for page := 1; ; page++ {
		var items []T
		var last bool
		err := p.call(ctx, retryIdempotent, func() (err error) {
			items, last, err = list(ctx, &godo.ListOptions{Page: page, PerPage: p.pageSize})
			return err
		})
		if err != nil {
			return nil, err
		}
		for i := range items {
			if u, ok := conv(&items[i]); ok {
				out = append(out, u)
			}
		}
		if last || len(items) == 0 {
			return out, nil
		}
	}
}

// keepAll is the conv of listAll that keeps every item as it is.
func keepAll[T any](v *T) (T, bool) { return *v, true }
