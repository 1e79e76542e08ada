package etcdhttp

import (
	"context"
	"errors"
	"fmt"
)

// KeyValue is a key as etcd stores it.
type KeyValue struct {
	Key, Value []byte
	// CreateRevision and ModRevision are the revisions that created the
	// key and last changed it; Version counts its changes since creation.
	CreateRevision, ModRevision, Version int64
	// Lease is the lease the key is attached to; 0 when none.
	Lease int64
}

// ResponseHeader is what etcd says of itself with every answer.
type ResponseHeader struct {
	// Revision is the store's revision when the request was served.
	Revision int64
}

// RangeResponse is the answer to a Get.
type RangeResponse struct {
	Header ResponseHeader
	// Kvs are the keys read, none with WithCountOnly.
	Kvs []*KeyValue
	// More says that a limit left keys out.
	More bool
	// Count is the number of keys in the range, whatever the limit.
	Count int64
}

// PutResponse is the answer to a Put.
type PutResponse struct {
	Header ResponseHeader
}

// DeleteResponse is the answer to a Delete.
type DeleteResponse struct {
	Header ResponseHeader
	// Deleted is the number of keys removed.
	Deleted int64
}

// ResponseOp is the answer to one operation of a transaction; the field
// of its kind is set.
type ResponseOp struct {
	ResponseRange  *RangeResponse
	ResponsePut    *PutResponse
	ResponseDelete *DeleteResponse
}

// GetResponseRange returns the answer to a get, or an empty one when the
// operation was not a get.
func (r *ResponseOp) GetResponseRange() *RangeResponse {
	if r == nil || r.ResponseRange == nil {
		return &RangeResponse{}
	}
	return r.ResponseRange
}

// TxnResponse is the answer to a transaction.
type TxnResponse struct {
	Header ResponseHeader
	// Succeeded says every comparison held, so the Then operations ran
	// rather than the Else ones.
	Succeeded bool
	// Responses answer the operations that ran, in order.
	Responses []*ResponseOp
}

// Get reads key, or the range opts give.
func (c *Client) Get(ctx context.Context, key string, opts ...OpOption) (*RangeResponse, error) {
	op := OpGet(key, opts...)
	var resp wireRangeResponse
	if err := c.call(ctx, "/v3/kv/range", op.rangeRequest(), &resp); err != nil {
		return nil, err
	}
	return resp.convert(), nil
}

// Put writes val under key.
func (c *Client) Put(ctx context.Context, key, val string, opts ...OpOption) (*PutResponse, error) {
	op := OpPut(key, val, opts...)
	var resp wirePutResponse
	if err := c.call(ctx, "/v3/kv/put", op.putRequest(), &resp); err != nil {
		return nil, err
	}
	return resp.convert(), nil
}

// Delete removes key, or the range opts give.
func (c *Client) Delete(ctx context.Context, key string, opts ...OpOption) (*DeleteResponse, error) {
	op := OpDelete(key, opts...)
	var resp wireDeleteResponse
	if err := c.call(ctx, "/v3/kv/deleterange", op.deleteRequest(), &resp); err != nil {
		return nil, err
	}
	return resp.convert(), nil
}

// Txn is a transaction being built: If comparisons, Then operations run
// when they all hold, Else operations run otherwise.
type Txn struct {
	c         *Client
	ctx       context.Context
	cmps      []Cmp
	then, els []Op
}

// Txn starts a transaction, sent by Commit within ctx.
func (c *Client) Txn(ctx context.Context) *Txn { return &Txn{c: c, ctx: ctx} }

// If adds comparisons, all of which must hold for Then to run.
func (t *Txn) If(cmps ...Cmp) *Txn { t.cmps = append(t.cmps, cmps...); return t }

// Then adds operations run when the comparisons hold.
func (t *Txn) Then(ops ...Op) *Txn { t.then = append(t.then, ops...); return t }

// Else adds operations run when a comparison fails.
func (t *Txn) Else(ops ...Op) *Txn { t.els = append(t.els, ops...); return t }

// Commit sends the transaction. An error means it may or may not have
// been applied, unless it is etcd's refusal.
func (t *Txn) Commit() (*TxnResponse, error) {
	req := wireTxnRequest{}
	for _, c := range t.cmps {
		w, err := c.wire()
		if err != nil {
			return nil, fmt.Errorf("etcd txn: %w", err)
		}
		req.Compare = append(req.Compare, w)
	}
	req.Success = requestOps(t.then)
	req.Failure = requestOps(t.els)
	var resp wireTxnResponse
	if err := t.c.call(t.ctx, "/v3/kv/txn", &req, &resp); err != nil {
		return nil, err
	}
	out := &TxnResponse{Header: resp.Header.convert(), Succeeded: resp.Succeeded}
	for _, r := range resp.Responses {
		o := &ResponseOp{}
		switch {
		case r.Range != nil:
			o.ResponseRange = r.Range.convert()
		case r.Put != nil:
			o.ResponsePut = r.Put.convert()
		case r.Delete != nil:
			o.ResponseDelete = r.Delete.convert()
		}
		out.Responses = append(out.Responses, o)
	}
	return out, nil
}

// requestOps returns ops as etcd reads them.
func requestOps(ops []Op) []wireRequestOp {
	out := make([]wireRequestOp, 0, len(ops))
	for _, op := range ops {
		switch op.kind {
		case opGet:
			out = append(out, wireRequestOp{Range: op.rangeRequest()})
		case opPut:
			out = append(out, wireRequestOp{Put: op.putRequest()})
		case opDelete:
			out = append(out, wireRequestOp{Delete: op.deleteRequest()})
		}
	}
	return out
}

func (h wireHeader) convert() ResponseHeader { return ResponseHeader{Revision: int64(h.Revision)} }

func (kv *wireKV) convert() *KeyValue {
	return &KeyValue{Key: kv.Key, Value: kv.Value, CreateRevision: int64(kv.CreateRevision),
		ModRevision: int64(kv.ModRevision), Version: int64(kv.Version), Lease: int64(kv.Lease)}
}

func (r *wireRangeResponse) convert() *RangeResponse {
	out := &RangeResponse{Header: r.Header.convert(), More: r.More, Count: int64(r.Count)}
	if len(r.Kvs) > 0 {
		out.Kvs = make([]*KeyValue, len(r.Kvs))
		for i := range r.Kvs {
			out.Kvs[i] = r.Kvs[i].convert()
		}
	}
	return out
}

func (r *wirePutResponse) convert() *PutResponse { return &PutResponse{Header: r.Header.convert()} }

func (r *wireDeleteResponse) convert() *DeleteResponse {
	return &DeleteResponse{Header: r.Header.convert(), Deleted: int64(r.Deleted)}
}

// errCompare is wrapped by the error of a comparison Compare could not
// make.
var errCompare = errors.New("bad comparison")
