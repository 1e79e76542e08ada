package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

// The tag calls follow DigitalOcean's documentation and godo's Tags
// service (POST /v2/tags {name} -> 201 {"tag"}; POST
// /v2/tags/{tag}/resources {resources:[{resource_id, resource_type}]} ->
// 204), not a run against the real API.

// createTag makes a tag; making one that exists answers with it again.
func (e *DigitalOcean) createTag(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		doError(w, http.StatusBadRequest, "bad_request", "Unable to parse request body: "+err.Error())
		return
	}
	if !doTagRE.MatchString(req.Name) {
		doError(w, http.StatusUnprocessableEntity, "unprocessable_entity", fmt.Sprintf("tag name %q is invalid", req.Name))
		return
	}
	e.mu.Lock()
	e.tags[req.Name] = true
	e.mu.Unlock()
	doJSON(w, http.StatusCreated, map[string]any{"tag": map[string]any{"name": req.Name,
		"resources": map[string]any{"count": 0}}})
}

// tagResources puts an existing tag on droplets or images (snapshots).
func (e *DigitalOcean) tagResources(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Resources []struct {
			ID   string `json:"resource_id"`
			Type string `json:"resource_type"`
		} `json:"resources"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		doError(w, http.StatusBadRequest, "bad_request", "Unable to parse request body: "+err.Error())
		return
	}
	tag := r.PathValue("tag")
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.tags[tag] {
		doError(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return
	}
	for _, res := range req.Resources {
		var tags *[]string
		switch res.Type {
		case "image":
			if s, ok := e.snapshots[res.ID]; ok {
				tags = &s.Tags
			}
		case "droplet":
			var id int
			fmt.Sscan(res.ID, &id)
			if d, ok := e.droplets[id]; ok {
				tags = &d.Tags
			}
		default:
			doError(w, http.StatusUnprocessableEntity, "unprocessable_entity", fmt.Sprintf("resource type %q is not supported", res.Type))
			return
		}
		if tags == nil {
			doError(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
			return
		}
		if !slices.Contains(*tags, tag) {
			*tags = append(*tags, tag)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
