package providertest

import (
	"net/http"
	"strconv"
	"time"
)

// doMetricsStep is the spacing of the emulator's data points.
const doMetricsStep = time.Minute

// doCPUModes split a load's busy share between user and system time.
var doCPUModes = []struct {
	mode  string
	share float64 // of the busy time; "idle" takes the rest
}{{"user", 0.7}, {"system", 0.3}}

// dropletCPU serves GET /v2/monitoring/metrics/droplet/cpu?host_id&start&end
// as DigitalOcean does: a Prometheus matrix with one stream per CPU mode
// (idle, user, system), each the cumulative seconds spent in that mode
// by all the droplet's vCPUs. A droplet without a load (SetLoad) has no
// streams.
func (e *DigitalOcean) dropletCPU(w http.ResponseWriter, r *http.Request) {
	id, start, end, ok := e.metricsQuery(w, r)
	if !ok {
		return
	}
	l, has := e.Loads.load(strconv.Itoa(id))
	var result []any
	if has {
		const vcpus = 2
		u := l.CPUPercent / 100
		modes := append([]struct {
			mode  string
			share float64
		}{{"idle", -1}}, doCPUModes...)
		for _, m := range modes {
			rate := vcpus * u * m.share
			if m.share < 0 {
				rate = vcpus * (1 - u)
			}
			var vals []any
			for _, t := range points(start, end, time.Time{}, doMetricsStep) {
				vals = append(vals, []any{t.Unix(), strconv.FormatFloat(rate*float64(t.Unix()), 'f', 3, 64)})
			}
			result = append(result, map[string]any{
				"metric": map[string]string{"host_id": strconv.Itoa(id), "mode": m.mode}, "values": vals})
		}
	}
	doJSON(w, http.StatusOK, doMatrix(result))
}

// dropletBandwidth serves GET /v2/monitoring/metrics/droplet/bandwidth
// ?host_id&interface=public|private&direction=inbound|outbound&start&end:
// one stream of megabits per second. The private interface is silent.
func (e *DigitalOcean) dropletBandwidth(w http.ResponseWriter, r *http.Request) {
	id, start, end, ok := e.metricsQuery(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	iface, dir := q.Get("interface"), q.Get("direction")
	if (iface != "public" && iface != "private") || (dir != "inbound" && dir != "outbound") {
		doError(w, http.StatusBadRequest, "bad_request", "interface must be public or private, direction inbound or outbound")
		return
	}
	l, has := e.Loads.load(strconv.Itoa(id))
	var result []any
	if has {
		bps := l.NetInBps
		if dir == "outbound" {
			bps = l.NetOutBps
		}
		if iface == "private" {
			bps = 0
		}
		var vals []any
		for _, t := range points(start, end, time.Time{}, doMetricsStep) {
			vals = append(vals, []any{t.Unix(), strconv.FormatFloat(bps*8/1e6, 'f', -1, 64)})
		}
		result = append(result, map[string]any{
			"metric": map[string]string{"host_id": strconv.Itoa(id), "interface": iface, "direction": dir}, "values": vals})
	}
	doJSON(w, http.StatusOK, doMatrix(result))
}

// metricsQuery reads host_id, start and end (unix seconds); it answers
// the request itself when they are wrong or the droplet does not exist.
func (e *DigitalOcean) metricsQuery(w http.ResponseWriter, r *http.Request) (id int, start, end time.Time, ok bool) {
	q := r.URL.Query()
	id, err := strconv.Atoi(q.Get("host_id"))
	s, err1 := strconv.ParseInt(q.Get("start"), 10, 64)
	t, err2 := strconv.ParseInt(q.Get("end"), 10, 64)
	if err != nil || err1 != nil || err2 != nil || t < s {
		doError(w, http.StatusBadRequest, "bad_request", "host_id, start and end are required; start before end")
		return 0, time.Time{}, time.Time{}, false
	}
	e.mu.Lock()
	_, found := e.droplets[id]
	e.mu.Unlock()
	if !found {
		doError(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return 0, time.Time{}, time.Time{}, false
	}
	return id, time.Unix(s, 0), time.Unix(t, 0), true
}

func doMatrix(result []any) map[string]any {
	if result == nil {
		result = []any{}
	}
	return map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}}
}
