package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/devchain/devchain/node/rpc"
)

func init() { remote = viaRPC }

// viaRPC runs the data-dir commands through the node running on the data
// dir, found by its rpc.addr. handled is false when no node answers there.
func viaRPC(e *Env, cmd *cobra.Command) (handled bool, err error) {
	dir, err := e.DataDir()
	if err != nil {
		return false, nil // the offline path reports it
	}
	addr := rpc.RunningNode(dir)
	if addr == "" {
		return false, nil
	}
	c := rpc.NewClient(addr)
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	fl := cmd.Flags()
	str := func(name string) string { v, _ := fl.GetString(name); return v }
	switch cmd.Name() {
	case "createwallet":
		w, err := c.CreateWallet(ctx, str("alias"))
		if err != nil {
			return true, err
		}
		fmt.Fprintln(out, w.Address)
	case "listaddresses":
		ws, err := c.Wallets(ctx)
		if err != nil {
			return true, err
		}
		for _, w := range ws {
			alias := w.Alias
			if alias == "" {
				alias = "-"
			}
			fmt.Fprintf(out, "%s %s\n", alias, w.Address)
		}
	case "getbalance":
		if str("address") == "" {
			return false, nil // let the offline path name the missing flag
		}
		b, err := c.Balance(ctx, str("address"))
		if err != nil {
			return true, err
		}
		fmt.Fprintf(out, "Balance of '%s': %d\n", b.Address, b.Balance)
	case "send":
		return true, sendViaRPC(cmd, c)
	case "mint":
		minter := str("minter")
		blocks, _ := fl.GetInt("blocks")
		if minter == "" || blocks < 1 {
			return false, nil
		}
		r, err := c.Mint(ctx, minter, blocks)
		if err != nil {
			return true, err
		}
		first := r.Height + 1 - uint64(len(r.Blocks))
		for i, h := range r.Blocks {
			fmt.Fprintf(out, "mined block %d %s\n", first+uint64(i), h)
		}
	case "printchain":
		s, err := c.Status(ctx)
		if err != nil {
			return true, err
		}
		for h := int64(s.Height); h >= 0; h-- {
			b, err := c.BlockAt(ctx, uint64(h))
			if err != nil {
				return true, err
			}
			printBlock(out, b)
		}
	case "reindexutxo":
		return true, fmt.Errorf("%w (rpc %s): reindexutxo needs the data dir to itself; stop the node first", ErrNodeRunning, addr)
	default:
		return false, nil
	}
	return true, nil
}

// sendViaRPC submits a payment to the running node (mempool and relay);
// with -mint the node also mines a block carrying it, paying the sender.
func sendViaRPC(cmd *cobra.Command, c *rpc.Client) error {
	fl := cmd.Flags()
	from, _ := fl.GetString("from")
	to, _ := fl.GetString("to")
	amount, _ := fl.GetInt64("amount")
	mint, _ := fl.GetBool("mint")
	mine, _ := fl.GetBool("mine")
	if from == "" || to == "" || amount <= 0 {
		return fmt.Errorf("send: -from, -to and a positive -amount are required")
	}
	ctx := cmd.Context()
	txid, err := c.Send(ctx, from, to, uint64(amount))
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if !mint && !mine {
		fmt.Fprintf(cmd.OutOrStdout(), "Success! tx %s is in the node's mempool and relayed\n", txid)
		return nil
	}
	r, err := c.Mint(ctx, from, 1)
	if err != nil {
		return fmt.Errorf("send: tx %s sent, mining it: %w", txid, err)
	}
	b, err := c.Block(ctx, r.Blocks[0])
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	for _, tx := range b.Txs {
		if tx.TxID == txid {
			fmt.Fprintf(cmd.OutOrStdout(), "Success! tx %s in block %d %s\n", txid, b.Height, b.Hash)
			return nil
		}
	}
	return fmt.Errorf("send: tx %s is in the mempool, but mined block %s left it out", txid, b.Hash)
}
