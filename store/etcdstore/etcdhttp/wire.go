package etcdhttp

import (
	"bytes"
	"fmt"
	"strconv"
)

// num is an int64 in protobuf's JSON mapping: written as a decimal string,
// read from a string or a number.
type num int64

// MarshalJSON writes n as a quoted decimal.
func (n num) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatInt(int64(n), 10)), nil
}

// UnmarshalJSON reads a quoted or bare decimal.
func (n *num) UnmarshalJSON(data []byte) error {
	s := string(bytes.Trim(data, `"`))
	if s == "null" || s == "" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("integer %s: %w", data, err)
	}
	*n = num(v)
	return nil
}

// The wire types are etcd's messages as its gateway writes and reads them:
// proto field names, bytes in base64, zero fields left out.

type wireHeader struct {
	Revision num `json:"revision"`
}

type wireKV struct {
	Key            []byte `json:"key"`
	CreateRevision num    `json:"create_revision"`
	ModRevision    num    `json:"mod_revision"`
	Version        num    `json:"version"`
	Value          []byte `json:"value"`
	Lease          num    `json:"lease"`
}

type wireRangeRequest struct {
	Key        []byte `json:"key,omitempty"`
	RangeEnd   []byte `json:"range_end,omitempty"`
	Limit      num    `json:"limit,omitempty"`
	Revision   num    `json:"revision,omitempty"`
	SortOrder  string `json:"sort_order,omitempty"`
	SortTarget string `json:"sort_target,omitempty"`
	KeysOnly   bool   `json:"keys_only,omitempty"`
	CountOnly  bool   `json:"count_only,omitempty"`
}

type wireRangeResponse struct {
	Header wireHeader `json:"header"`
	Kvs    []wireKV   `json:"kvs"`
	More   bool       `json:"more"`
	Count  num        `json:"count"`
}

type wirePutRequest struct {
	Key   []byte `json:"key,omitempty"`
	Value []byte `json:"value,omitempty"`
	Lease num    `json:"lease,omitempty"`
}

type wirePutResponse struct {
	Header wireHeader `json:"header"`
}

type wireDeleteRequest struct {
	Key      []byte `json:"key,omitempty"`
	RangeEnd []byte `json:"range_end,omitempty"`
}

type wireDeleteResponse struct {
	Header  wireHeader `json:"header"`
	Deleted num        `json:"deleted"`
}

type wireRequestOp struct {
	Range  *wireRangeRequest  `json:"request_range,omitempty"`
	Put    *wirePutRequest    `json:"request_put,omitempty"`
	Delete *wireDeleteRequest `json:"request_delete_range,omitempty"`
}

type wireResponseOp struct {
	Range  *wireRangeResponse  `json:"response_range"`
	Put    *wirePutResponse    `json:"response_put"`
	Delete *wireDeleteResponse `json:"response_delete_range"`
}

// wireCompare sets exactly one of the revision and lease fields, even to
// zero, as the compare's target needs.
type wireCompare struct {
	Result         string `json:"result"`
	Target         string `json:"target"`
	Key            []byte `json:"key,omitempty"`
	RangeEnd       []byte `json:"range_end,omitempty"`
	CreateRevision *num   `json:"create_revision,omitempty"`
	ModRevision    *num   `json:"mod_revision,omitempty"`
	Lease          *num   `json:"lease,omitempty"`
}

type wireTxnRequest struct {
	Compare []wireCompare   `json:"compare,omitempty"`
	Success []wireRequestOp `json:"success,omitempty"`
	Failure []wireRequestOp `json:"failure,omitempty"`
}

type wireTxnResponse struct {
	Header    wireHeader       `json:"header"`
	Succeeded bool             `json:"succeeded"`
	Responses []wireResponseOp `json:"responses"`
}

type wireLease struct {
	ID  num `json:"ID,omitempty"`
	TTL num `json:"TTL,omitempty"`
}

type wireLeaseResponse struct {
	Header wireHeader `json:"header"`
	ID     num        `json:"ID"`
	TTL    num        `json:"TTL"`
	Error  string     `json:"error"`
}

// wireStreamed is one message of a streamed answer: a result or an error.
type wireStreamed[T any] struct {
	Result *T `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type wireLeaderKey struct {
	Name  []byte `json:"name,omitempty"`
	Key   []byte `json:"key,omitempty"`
	Rev   num    `json:"rev,omitempty"`
	Lease num    `json:"lease,omitempty"`
}

type wireCampaignRequest struct {
	Name  []byte `json:"name,omitempty"`
	Lease num    `json:"lease,omitempty"`
	Value []byte `json:"value,omitempty"`
}

type wireCampaignResponse struct {
	Header wireHeader     `json:"header"`
	Leader *wireLeaderKey `json:"leader"`
}

type wireResignRequest struct {
	Leader *wireLeaderKey `json:"leader"`
}

type wireResignResponse struct {
	Header wireHeader `json:"header"`
}

type wireLeaderRequest struct {
	Name []byte `json:"name,omitempty"`
}

type wireLeaderResponse struct {
	Header wireHeader `json:"header"`
	KV     *wireKV    `json:"kv"`
}
