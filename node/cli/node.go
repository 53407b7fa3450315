package cli

import (
	"context"

	"github.com/devchain/devchain/node/controlapi"
)

// dataNode is what the data-dir commands ask of a data dir. Each command is
// written once against it; whether a node running on the data dir answers
// (rpcNode) or the data dir is opened here (dirNode) is chosen in
// openNode. Answers come in the control API's types, so that one printer
// per output serves both.
type dataNode interface {
	CreateWallet(ctx context.Context, alias string) (controlapi.Wallet, error)
	Wallets(ctx context.Context) ([]controlapi.Wallet, error)
	Balance(ctx context.Context, addrOrAlias string) (controlapi.Balance, error)
	// Send pays from a wallet of the data dir. With p.mine a block
	// carrying the payment is mined at once, its reward paying the sender;
	// without it the payment is relayed, which needs a running node.
	Send(ctx context.Context, p payment) (sent, error)
	// Mint mines blocks paying minter. On an error the reply still holds
	// the blocks mined before it, if the side can tell.
	Mint(ctx context.Context, minter string, blocks int) (controlapi.MintReply, error)
	// Blocks calls each with the main chain's blocks, tip first.
	Blocks(ctx context.Context, each func(controlapi.Block) error) error
}

// payment is send's flags as given: each side checks them itself, since
// the two have always worded a bad -from, -to or -amount differently.
type payment struct {
	from, to string
	amount   int64
	mine     bool
}

// sent is the outcome of Send: the tx, and the block carrying it when one
// was mined (else the tx waits in the node's mempool).
type sent struct {
	txid   string
	mined  bool
	height uint64
	hash   string
}

// openNode gives the node running on the data dir, reached at the control
// API address it wrote there with the token it wrote there (rpc.cookie),
// or else the data dir itself. When the data dir cannot be named the
// offline side is given: its commands report that error where they need
// the data dir, after checking their flags.
func (e *Env) openNode() dataNode {
	if dir, err := e.DataDir(); err == nil {
		if addr := controlapi.RunningNode(dir); addr != "" {
			// Without a readable cookie the read-only commands still
			// work; the others get the node's 401, which says where the
			// token is looked for.
			token, _ := controlapi.ReadCookie(dir)
			return rpcNode{controlapi.NewClient(addr).WithToken(token)}
		}
	}
	return dirNode{e}
}
