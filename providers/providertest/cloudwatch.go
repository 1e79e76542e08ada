package providertest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// CloudWatch's GetMetricData, as aws-sdk-go-v2/service/cloudwatch v1.76
// speaks it: Smithy RPC v2 CBOR, POST /service/GraniteServiceVersion20100801
// /operation/GetMetricData with a CBOR body (Smithy-Protocol: rpc-v2-cbor),
// timestamps as CBOR tag 1 (epoch seconds). The EC2 emulator serves it at
// the same URL, so that AWS_ENDPOINT_URL points both clients at it.

// cwPath is the path prefix of CloudWatch's operations.
const cwPath = "/service/GraniteServiceVersion20100801/operation/"

// cwMaxQueries is the most queries GetMetricData takes in one call.
const cwMaxQueries = 500

// cwPeriod is basic monitoring's period: one data point per 5 minutes.
const cwPeriod = 5 * time.Minute

// serveCloudWatch serves one CloudWatch call. It answers GetMetricData
// for AWS/EC2 CPUUtilization (Average, percent), NetworkIn and NetworkOut
// (Sum, bytes per period) by InstanceId, from the loads SetLoad set: one
// point per period in [StartTime, EndTime), newest first. An instance
// without a load has no values, as CloudWatch answers for one it has no
// data of. Calls are counted as "GetMetricData".
func (e *EC2) serveCloudWatch(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.URL.Path, cwPath)
	fault, fail, _ := e.Admit(op, r)
	if fail {
		fault.WriteHeaders(w)
		code := "InternalServiceError"
		if fault.Status == http.StatusTooManyRequests || fault.Status == http.StatusBadRequest {
			code = "Throttling"
		}
		cwError(w, fault.Status, code, "injected fault")
		return
	}
	keyID, _ := sigV4Scope(r.Header.Get("Authorization"))
	e.mu.Lock()
	want := e.accessKey
	e.mu.Unlock()
	switch {
	case want != "" && keyID != want:
		cwError(w, http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
		return
	case op != "GetMetricData" || r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor":
		cwError(w, http.StatusBadRequest, "UnknownOperationException", "unknown operation "+op)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		cwError(w, http.StatusBadRequest, "SerializationException", "unreadable body")
		return
	}
	in, err := cbor.Decode(body)
	req, ok := in.(cbor.Map)
	if err != nil || !ok {
		cwError(w, http.StatusBadRequest, "SerializationException", "the body is not a CBOR map")
		return
	}
	start, err1 := cbor.AsTime(req["StartTime"])
	end, err2 := cbor.AsTime(req["EndTime"])
	queries, _ := req["MetricDataQueries"].(cbor.List)
	switch {
	case err1 != nil || err2 != nil || !start.Before(end):
		cwError(w, http.StatusBadRequest, "InvalidParameterValueException", "StartTime must be before EndTime")
		return
	case len(queries) == 0 || len(queries) > cwMaxQueries:
		cwError(w, http.StatusBadRequest, "InvalidParameterValueException",
			fmt.Sprintf("The collection MetricDataQueries must have between 1 and %d items.", cwMaxQueries))
		return
	}
	results := make(cbor.List, 0, len(queries))
	for _, q := range queries {
		res, msg := e.cwQuery(q, start, end)
		if msg != "" {
			cwError(w, http.StatusBadRequest, "InvalidParameterValueException", msg)
			return
		}
		results = append(results, res)
	}
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(cbor.Encode(cbor.Map{"MetricDataResults": results, "Messages": cbor.List{}}))
}

// cwQuery answers one MetricDataQuery.
func (e *EC2) cwQuery(v cbor.Value, start, end time.Time) (cbor.Map, string) {
	q, _ := v.(cbor.Map)
	id := cwString(q["Id"])
	stat, _ := q["MetricStat"].(cbor.Map)
	metric, _ := stat["Metric"].(cbor.Map)
	if id == "" || stat == nil || metric == nil {
		return nil, "each query needs an Id and a MetricStat"
	}
	if ns := cwString(metric["Namespace"]); ns != "AWS/EC2" {
		return nil, "only the AWS/EC2 namespace is emulated, not " + ns
	}
	var instance string
	dims, _ := metric["Dimensions"].(cbor.List)
	for _, d := range dims {
		dm, _ := d.(cbor.Map)
		if cwString(dm["Name"]) == "InstanceId" {
			instance = cwString(dm["Value"])
		}
	}
	period, err := cbor.AsInt64(stat["Period"])
	if err != nil || period <= 0 || period%60 != 0 {
		return nil, "Period must be a multiple of 60 seconds"
	}
	name, how := cwString(metric["MetricName"]), cwString(stat["Stat"])
	l, has := e.Loads.load(instance)
	var value float64
	switch {
	case name == "CPUUtilization" && how == "Average":
		value = l.CPUPercent
	case name == "NetworkIn" && how == "Sum":
		value = l.NetInBps * float64(period)
	case name == "NetworkOut" && how == "Sum":
		value = l.NetOutBps * float64(period)
	default:
		return nil, fmt.Sprintf("%s with %s is not emulated", name, how)
	}
	step := max(time.Duration(period)*time.Second, cwPeriod)
	times, values := cbor.List{}, cbor.List{}
	if has {
		pts := points(start, end, time.Time{}, step)
		for i := len(pts) - 1; i >= 0; i-- {
			if !pts[i].Before(end) {
				continue
			}
			times = append(times, &cbor.Tag{ID: 1, Value: cbor.Float64(float64(pts[i].Unix()))})
			values = append(values, cbor.Float64(value))
		}
	}
	return cbor.Map{"Id": cbor.String(id), "Label": cbor.String(name), "Timestamps": times, "Values": values,
		"StatusCode": cbor.String("Complete")}, ""
}

func cwString(v cbor.Value) string {
	s, _ := v.(cbor.String)
	return string(s)
}

// cwError writes an RPC v2 CBOR error: {"__type", "message"}.
func cwError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.WriteHeader(status)
	_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String("com.amazonaws.cloudwatch#" + code), "message": cbor.String(message)}))
}
