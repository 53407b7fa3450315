package wire

import "fmt"

// CmdInv announces blocks or transactions.
const CmdInv = "inv"

// InvType says what an inventory item names.
type InvType uint8

const (
	InvTx    InvType = 1
	InvBlock InvType = 2
)

// InvVect names one block or transaction.
type InvVect struct {
	Type InvType
	Hash Hash
}

const invVectSize = 1 + 32

// invList is the shared body of inv, getdata and notfound.
type invList []InvVect

func (l invList) encode(w *writer) {
	w.u32(uint32(len(l)))
	for _, v := range l {
		w.u8(uint8(v.Type))
		w.hash(v.Hash)
	}
}

func decodeInvList(r *reader) (invList, error) {
	n, err := r.count(MaxInvItems, invVectSize, "inventory items")
	if err != nil {
		return nil, err
	}
	l := make(invList, n)
	for i := range l {
		t, err := r.u8()
		if err != nil {
			return nil, err
		}
		if InvType(t) != InvTx && InvType(t) != InvBlock {
			return nil, fmt.Errorf("inventory item %d: unknown type %d", i, t)
		}
		l[i].Type = InvType(t)
		if l[i].Hash, err = r.hash(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Inv announces items the sender has: new blocks and transactions, or,
// with Answer set, the answer to a getblocks. The flag lets the requester
// tell its answer from announcements that crossed it on the wire.
type Inv struct {
	Answer bool
	Items  []InvVect
}

func (*Inv) Command() string { return CmdInv }

func (m *Inv) encode(w *writer) {
	var flags uint8
	if m.Answer {
		flags = 1
	}
	w.u8(flags)
	invList(m.Items).encode(w)
}

func (m *Inv) decode(r *reader) error {
	flags, err := r.u8()
	if err != nil {
		return err
	}
	if flags > 1 {
		return fmt.Errorf("inv flags %#x", flags)
	}
	m.Answer = flags == 1
	m.Items, err = decodeInvList(r)
	return err
}
