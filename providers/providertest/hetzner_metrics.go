package providertest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serverMetrics serves GET /v1/servers/{id}/metrics?type=cpu&type=network
// &start&end&step: the "cpu" series is percent per vCPU summed (100 is
// one full vCPU), "network.0.bandwidth.in" and ".out" are bytes per
// second of the public interface. Values are [unix seconds, "text"]
// pairs, one a step across the whole window. A server without a load
// (SetLoad) has empty series.
func (h *Hetzner) serverMetrics(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	s, ok := h.servers[hzPathID(r)]
	cores := 1
	if ok {
		if st, found := hzTypeByName(s.ServerType); found {
			cores = st.cores
		}
	}
	h.mu.Unlock()
	if !ok {
		hzNotFound(w, "server", r.PathValue("id"))
		return
	}
	q := r.URL.Query()
	start, err1 := time.Parse(time.RFC3339, q.Get("start"))
	end, err2 := time.Parse(time.RFC3339, q.Get("end"))
	if err1 != nil || err2 != nil || end.Before(start) {
		hzInvalidField(w, "start", "start and end must be RFC 3339 times, start before end")
		return
	}
	types := q["type"]
	if len(types) == 1 && strings.Contains(types[0], ",") {
		types = strings.Split(types[0], ",")
	}
	step := 60
	if s := q.Get("step"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			hzInvalidField(w, "step", "must be a positive number of seconds")
			return
		}
		step = n
	}
	l, has := h.Loads.load(strconv.FormatInt(hzPathID(r), 10))
	series := map[string]any{}
	add := func(name string, v float64) {
		vals := []any{}
		if has {
			for _, t := range points(start, end, time.Time{}, time.Duration(step)*time.Second) {
				vals = append(vals, []any{float64(t.Unix()), strconv.FormatFloat(v, 'f', -1, 64)})
			}
		}
		series[name] = map[string]any{"values": vals}
	}
	for _, typ := range types {
		switch typ {
		case "cpu":
			add("cpu", l.CPUPercent*float64(cores))
		case "network":
			add("network.0.bandwidth.in", l.NetInBps)
			add("network.0.bandwidth.out", l.NetOutBps)
			add("network.0.pps.in", l.NetInBps/500)
			add("network.0.pps.out", l.NetOutBps/500)
		case "disk":
			add("disk.0.iops.read", 0)
			add("disk.0.iops.write", 0)
		default:
			hzInvalidField(w, "type", "must be cpu, disk or network")
			return
		}
	}
	hzJSON(w, http.StatusOK, map[string]any{"metrics": map[string]any{
		"start": start.UTC().Format(time.RFC3339), "end": end.UTC().Format(time.RFC3339),
		"step": step, "time_series": series,
	}})
}

// hzTypeByName returns the server type called name.
func hzTypeByName(name string) (hzServerType, bool) {
	for _, st := range hzServerTypes {
		if st.name == name {
			return st, true
		}
	}
	return hzServerType{}, false
}
