package bot

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/providers"
)

// The /spuff up modal. Its region and size inputs belong to one cloud:
// static selects of that cloud's cached catalog, each size with its price,
// or plain text inputs while no catalog is loaded. Choosing another cloud
// (a dispatch_action on the cloud select) rebuilds the modal with
// views.update. The block ids of region and size name the cloud and the
// kind of input, so that Slack does not carry a choice made for one cloud
// over to another.
const (
	upCallbackID  = "spuff_up"
	upCloudBlock  = "up_cloud"
	upNameBlock   = "up_name"
	upLeaseBlock  = "up_lease"
	upSnapBlock   = "up_snapshot"
	upNoticeBlock = "up_notice"
	actionUpCloud = "spuff_up_cloud" // the cloud select; dispatches on change
	actionUpInput = "value"          // every other input's action id

	maxSelectOptions = 100 // options in one static select
	maxOptionText    = 75  // characters of an option's text
)

// upForm is what the /spuff up modal shows.
type upForm struct {
	// Clouds are the configured providers' names, sorted.
	Clouds []string
	// Cloud is the provider whose regions and sizes are shown; "" when
	// none is chosen yet.
	Cloud string
	// Sizes is Cloud's catalog; nil while it is not loaded, and the
	// region and size are typed instead.
	Sizes *commands.SizesView
	// In is what the inputs start with: what the person entered before
	// the modal was rebuilt.
	In upInput
	// Notice is shown above the inputs: a refusal that concerns no one
	// input, or why the choices are missing.
	Notice message
	// Meta travels with the view and comes back on submit.
	Meta upMeta
}

// upInput is what a person entered in the modal.
type upInput struct {
	Cloud, Region, Size, Lease, Name, Snapshot string
}

// upMeta is the modal's private_metadata: where the command was typed,
// and which cloud's inputs the modal shows.
type upMeta struct {
	Channel     string `json:"c,omitempty"`
	ResponseURL string `json:"r,omitempty"`
	Cloud       string `json:"p,omitempty"`
	Listed      bool   `json:"l,omitempty"` // region and size are selects
}

func (m upMeta) encode() string {
	raw, _ := json.Marshal(m)
	return string(raw)
}

func decodeUpMeta(s string) upMeta {
	var m upMeta
	_ = json.Unmarshal([]byte(s), &m) // a view of another version: empty, and the submit says so
	return m
}

// upRegionBlock and upSizeBlock are the block ids of the region and size
// inputs the form shows.
func upRegionBlock(m upMeta) string { return upBlockID("up_region", m) }
func upSizeBlock(m upMeta) string   { return upBlockID("up_size", m) }

func upBlockID(base string, m upMeta) string {
	if m.Listed {
		return base + "/" + m.Cloud
	}
	return base + "/typed"
}

// renderUpModal renders the form.
func renderUpModal(f upForm) slack.ModalViewRequest {
	f.Meta.Cloud, f.Meta.Listed = f.Cloud, listable(f)
	var blocks []slack.Block
	blocks = append(blocks, f.Notice.Blocks...)
	blocks = append(blocks, upCloudInput(f))
	if f.Meta.Listed {
		blocks = append(blocks, upRegionSelect(f), upSizeSelect(f))
	} else {
		blocks = append(blocks,
			upTextInput(upRegionBlock(f.Meta), "Region", "the cloud's default region", "", f.In.Region),
			upTextInput(upSizeBlock(f.Meta), "Size", "the cheapest size", "/spuff sizes lists the sizes with their prices.", f.In.Size))
	}
	blocks = append(blocks,
		upTextInput(upLeaseBlock, "Lease", "e.g. 4h or 2d; the default lease when empty",
			"How long it runs before spuffbot destroys it. You can extend it later.", f.In.Lease),
		upTextInput(upNameBlock, "Name", "made up for you when empty",
			"Lowercase letters, digits and hyphens, starting with a letter.", f.In.Name),
		upTextInput(upSnapBlock, "Snapshot", "id or name; a fresh Ubuntu when empty",
			"Boot from a snapshot saved with /spuff down --snapshot.", f.In.Snapshot),
	)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           viewText("New dev VM", 24),
		Submit:          viewText("Create", 24),
		Close:           viewText("Cancel", 24),
		Blocks:          slack.Blocks{BlockSet: blocks},
		CallbackID:      upCallbackID,
		PrivateMetadata: f.Meta.encode(),
	}
}

// listable reports whether f's regions and sizes can be selects: Slack
// refuses a select without options.
func listable(f upForm) bool {
	v := f.Sizes
	return v != nil && f.Cloud != "" && len(v.Sizes) > 0 &&
		slices.ContainsFunc(v.Regions, func(r providers.Region) bool { return r.Available })
}

// upCloudInput is the cloud select. With several clouds, choosing one
// reloads the regions and sizes.
func upCloudInput(f upForm) *slack.InputBlock {
	opts := make([]*slack.OptionBlockObject, 0, len(f.Clouds))
	var initial *slack.OptionBlockObject
	for _, c := range f.Clouds {
		o := slack.NewOptionBlockObject(c, viewText(commands.Label(c), maxOptionText), nil)
		opts = append(opts, o)
		if c == f.Cloud {
			initial = o
		}
	}
	if len(opts) > maxSelectOptions {
		opts = opts[:maxSelectOptions]
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, viewText("Choose a cloud", 150), actionUpCloud, opts...)
	sel.InitialOption = initial
	in := slack.NewInputBlock(upCloudBlock, viewText("Cloud", 2000), nil, sel)
	in.DispatchAction = len(f.Clouds) > 1
	return in
}

// upRegionSelect lists the cloud's available regions; the default
// region (else the first) is chosen.
func upRegionSelect(f upForm) *slack.InputBlock {
	v := f.Sizes
	want := cmp.Or(f.In.Region, v.DefaultRegion)
	var opts []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	for _, r := range v.Regions {
		if !r.Available || len(opts) == maxSelectOptions {
			continue
		}
		text := r.Slug
		if r.Name != "" && r.Name != r.Slug {
			text += " · " + r.Name
		}
		o := slack.NewOptionBlockObject(r.Slug, viewText(text, maxOptionText), nil)
		opts = append(opts, o)
		if initial == nil || r.Slug == want {
			initial = o
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, viewText("Choose a region", 150), actionUpInput, opts...)
	sel.InitialOption = initial
	return slack.NewInputBlock(upRegionBlock(f.Meta), viewText("Region", 2000), nil, sel)
}

// upSizeSelect lists the cloud's available sizes, cheapest first, each
// with its price; the default size is chosen.
func upSizeSelect(f upForm) *slack.InputBlock {
	v := f.Sizes
	want := cmp.Or(f.In.Size, v.DefaultSize)
	var opts []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	for _, s := range v.Sizes {
		if len(opts) == maxSelectOptions {
			break
		}
		text := fmt.Sprintf("%s · %d vCPU · %s · %s", s.Slug, s.VCPUs, memoryShort(s.MemoryMB), hourly(s.PriceHourly, v.Estimated))
		if len(s.Regions) > 0 {
			text += " · " + strings.Join(s.Regions, ", ") + " only"
		}
		o := slack.NewOptionBlockObject(s.Slug, viewText(text, maxOptionText), nil)
		opts = append(opts, o)
		if s.Slug == want {
			initial = o
		}
	}
	hint := "Cheapest first. Some sizes are offered in some regions only."
	if len(v.Sizes) > maxSelectOptions {
		hint = fmt.Sprintf("The %d cheapest of %d; /spuff sizes lists them all.", maxSelectOptions, len(v.Sizes))
	}
	if v.Estimated {
		hint += " Prices are estimates."
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, viewText("Choose a size", 150), actionUpInput, opts...)
	sel.InitialOption = initial
	return slack.NewInputBlock(upSizeBlock(f.Meta), viewText("Size", 2000), viewText(hint, 2000), sel)
}

// upTextInput is an optional input block with a one-line text field.
func upTextInput(blockID, label, placeholder, hint, initial string) *slack.InputBlock {
	el := slack.NewPlainTextInputBlockElement(viewText(placeholder, 150), actionUpInput)
	el.MaxLength = 255
	el.InitialValue = clip(initial, el.MaxLength)
	var h *slack.TextBlockObject
	if hint != "" {
		h = viewText(hint, 2000)
	}
	in := slack.NewInputBlock(blockID, viewText(label, 2000), h, el)
	in.Optional = true
	return in
}

// upNotice is a notice block at the top of the modal.
func upNotice(text md) message {
	s := section(text)
	s.BlockID = upNoticeBlock
	return message{Text: plain(text), Blocks: []slack.Block{s}}
}

// viewText returns a plain_text object of at most n characters.
func viewText(s string, n int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, clip(s, n), false, false)
}

// memoryShort formats memory for an option: "512 MB", "4 GB", "1.5 GB".
func memoryShort(mb int) string {
	switch {
	case mb < 1024:
		return fmt.Sprintf("%d MB", mb)
	case mb%1024 == 0:
		return fmt.Sprintf("%d GB", mb/1024)
	}
	return fmt.Sprintf("%.1f GB", float64(mb)/1024)
}
