package runner

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/devchain/devchain/devnet/scenario"
	"github.com/devchain/devchain/node/chain"
	"github.com/devchain/devchain/node/controlapi"
)

// payment is a payment a send or load step got accepted, as the
// payments assertion judges it.
type payment struct {
	step, node string
	txid       string
	inputs     []string // the outputs it spends, "txid:index"
}

// maxNamedPayments bounds the lost payments a failure names (a load
// step's can be thousands); the count says how many more.
const maxNamedPayments = 10

func outpoint(txid string, index uint32) string { return fmt.Sprintf("%s:%d", txid, index) }

// send pays through the node's wallet and records the payment it
// accepted. With best_effort a refusal (400) is logged, not failed.
func (r *Runner) send(ctx context.Context, name string, a *scenario.Send) error {
	to, err := r.resolveWallet(ctx, a.To)
	if err != nil {
		return err
	}
	var sent controlapi.SendReply
	err = r.call(ctx, name, func(c *controlapi.Client) (err error) {
		sent, err = c.Send(ctx, a.From, to, a.Amount)
		return err
	})
	var refused *controlapi.Error
	if a.BestEffort && errors.As(err, &refused) && refused.Status == http.StatusBadRequest {
		r.steps.printf("     %s: refused, not a failure (best effort): %s", name, refused.Message)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	p := payment{node: name, txid: sent.TxID}
	if sent.Tx != nil {
		for _, in := range sent.Tx.Inputs {
			p.inputs = append(p.inputs, outpoint(in.TxID, in.Index))
		}
	}
	r.keep(p)
	r.steps.printf("     %s: tx %s", name, short(sent.TxID))
	return nil
}

// recordPayment records a tx a load step got accepted.
func (r *Runner) recordPayment(node string, tx *chain.Tx) {
	p := payment{node: node, txid: tx.ID().String()}
	for _, in := range tx.Inputs {
		p.inputs = append(p.inputs, outpoint(in.Prev.TxID.String(), in.Prev.Index))
	}
	r.keep(p)
}

// keep records a payment a node accepted in the running step.
func (r *Runner) keep(p payment) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p.step = r.stepName
	r.sent = append(r.sent, p)
}

// chainView is what a node's main chain says of the payments: the
// transactions it confirms, and which of them spends each output.
type chainView struct {
	confirmed map[string]bool
	spentBy   map[string]string // "txid:index" → the confirmed tx spending it
}

// payments holds when no payment the run's send and load steps got
// accepted is lost on any running target node (see scenario.Payments).
func (r *Runner) payments(nodes []string) condition {
	blocks := map[string]controlapi.Block{} // by hash, shared by every node and poll
	return r.eachNode(nodes, func(ctx context.Context, name string, st *controlapi.Status) (bool, string, error) {
		view, err := r.mainChain(ctx, name, st.Tip, blocks)
		if err != nil {
			return false, err.Error(), nil
		}
		r.mu.Lock()
		sent := append([]payment(nil), r.sent...)
		r.mu.Unlock()
		byID := map[string]*payment{}
		for i := range sent {
			byID[sent[i].txid] = &sent[i]
		}
		var lost []string
		for _, p := range sent {
			if !view.confirmed[p.txid] && !view.dead(&p, byID) {
				lost = append(lost, fmt.Sprintf("%s (sent on %s in step %q)", short(p.txid), p.node, p.step))
			}
		}
		if n := len(lost); n > 0 {
			more := ""
			if n > maxNamedPayments {
				lost, more = lost[:maxNamedPayments], fmt.Sprintf(" and %d more", n-maxNamedPayments)
			}
			return false, fmt.Sprintf("%d of %d payments neither confirmed at height %d nor conflicting with it: %s%s",
				n, len(sent), st.Height, strings.Join(lost, ", "), more), nil
		}
		return true, "", nil
	})
}

// dead says whether p can no longer confirm on this chain: a confirmed tx
// spends one of its inputs, or an input's funding tx is not on the chain
// and is not a payment that could still confirm.
func (v *chainView) dead(p *payment, sent map[string]*payment) bool {
	for _, in := range p.inputs {
		if by, ok := v.spentBy[in]; ok && by != p.txid {
			return true
		}
		funding, _, _ := strings.Cut(in, ":")
		if v.confirmed[funding] {
			continue
		}
		parent, ok := sent[funding]
		if !ok || v.dead(parent, sent) {
			return true
		}
	}
	return false
}

// mainChain walks a node's main chain from tip down to genesis, fetching
// only the blocks not seen before.
func (r *Runner) mainChain(ctx context.Context, name, tip string, blocks map[string]controlapi.Block) (*chainView, error) {
	c, err := r.client(name)
	if err != nil {
		return nil, err
	}
	v := &chainView{confirmed: map[string]bool{}, spentBy: map[string]string{}}
	for h := tip; h != ""; {
		b, ok := blocks[h]
		if !ok {
			if b, err = c.Block(ctx, h); err != nil {
				return nil, fmt.Errorf("block %s: %w", short(h), err)
			}
			blocks[h] = b
		}
		for _, tx := range b.Txs {
			v.confirmed[tx.TxID] = true
			for _, in := range tx.Inputs {
				v.spentBy[outpoint(in.TxID, in.Index)] = tx.TxID
			}
		}
		if b.Height == 0 {
			break
		}
		h = b.Prev
	}
	return v, nil
}
