package providertest

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

func (e *DigitalOcean) createKey(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name      string `json:"name"`
		PublicKey string `json:"public_key"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		doError(w, http.StatusBadRequest, "bad_request", "Unable to parse request body: "+err.Error())
		return
	}
	fp, ok := doFingerprint(req.PublicKey)
	if !ok {
		doError(w, http.StatusUnprocessableEntity, "unprocessable_entity", "Key invalid, key should be of the format `type key [comment]`")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.keys[fp]; dup {
		doError(w, http.StatusUnprocessableEntity, "unprocessable_entity", "SSH Key is already in use on your account")
		return
	}
	k := &doKey{id: e.nextID(), name: req.Name, fingerprint: fp, publicKey: req.PublicKey}
	e.keys[fp] = k
	doJSON(w, http.StatusCreated, map[string]any{"ssh_key": k.json()})
}

func (e *DigitalOcean) getKey(w http.ResponseWriter, r *http.Request) {
	raw, _ := json.Marshal(r.PathValue("id"))
	if id, err := strconv.Atoi(r.PathValue("id")); err == nil {
		raw, _ = json.Marshal(id)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	k := e.findKey(raw)
	if k == nil {
		doError(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return
	}
	doJSON(w, http.StatusOK, map[string]any{"ssh_key": k.json()})
}

// findKey finds a key by id (a JSON number) or fingerprint (a JSON
// string). Callers hold e.mu.
func (e *DigitalOcean) findKey(raw json.RawMessage) *doKey {
	var fp string
	if json.Unmarshal(raw, &fp) == nil {
		return e.keys[fp]
	}
	var id int
	if json.Unmarshal(raw, &id) != nil {
		return nil
	}
	for _, k := range e.keys {
		if k.id == id {
			return k
		}
	}
	return nil
}

func (k *doKey) json() map[string]any {
	return map[string]any{"id": k.id, "name": k.name, "fingerprint": k.fingerprint, "public_key": k.publicKey}
}

// doFingerprint returns the MD5 fingerprint ("aa:bb:...") DigitalOcean
// names a public key by, from an authorized_keys line.
func doFingerprint(line string) (string, bool) {
	fields := strings.Fields(line)
	if len(fields) < 2 || !strings.HasPrefix(fields[0], "ssh-") && !strings.HasPrefix(fields[0], "ecdsa-") {
		return "", false
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil || len(blob) == 0 {
		return "", false
	}
	sum := md5.Sum(blob)
	hexes := make([]string, len(sum))
	for i, b := range sum {
		hexes[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(hexes, ":"), true
}
