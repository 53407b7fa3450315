package p2p

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// PeerRecord is what the peer DB keeps about one peer.
type PeerRecord struct {
	ID       peer.ID   `json:"-"`
	Addrs    []string  `json:"addrs"`
	LastSeen time.Time `json:"last_seen"`
	Failures int       `json:"failures"` // dials failed since LastSeen
}

// AddrInfo is the record as something a host can dial.
func (r PeerRecord) AddrInfo() peer.AddrInfo {
	info := peer.AddrInfo{ID: r.ID}
	for _, s := range r.Addrs {
		if a, err := ma.NewMultiaddr(s); err == nil {
			info.Addrs = append(info.Addrs, a)
		}
	}
	return info
}

// PeerDB keeps the peers a node has talked to, so the next start can dial
// them directly instead of going through discovery. Key: peer ID; value:
// JSON PeerRecord.
type PeerDB struct {
	db *badger.DB
	// A peer is dropped only when both hold: at least DropFailures failed
	// dials in a row and no successful contact for DropAge. A peer down
	// for a restart is therefore kept.
	DropFailures int
	DropAge      time.Duration
	now          func() time.Time
}

// OpenPeerDB opens (creating) the badger peer DB in dir with small memory
// settings: it holds a few hundred tiny records.
func OpenPeerDB(dir string) (*PeerDB, error) {
	opts := badger.DefaultOptions(dir).
		WithLogger(nil).
		WithMemTableSize(4 << 20).
		WithValueThreshold(16 << 10).
		WithNumMemtables(1).
		WithValueLogFileSize(1 << 24).
		WithBlockCacheSize(1 << 20).
		WithIndexCacheSize(1 << 20).
		WithNumCompactors(2)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("peer DB %s: %w", dir, err)
	}
	return &PeerDB{db: db, DropFailures: 8, DropAge: 24 * time.Hour, now: time.Now}, nil
}

// Close closes the DB.
func (p *PeerDB) Close() error { return p.db.Close() }

// Seen records a successful contact with a peer and its current addresses.
func (p *PeerDB) Seen(info peer.AddrInfo) error {
	if len(info.Addrs) == 0 {
		return nil // nothing to dial next time; keep what we had
	}
	rec := PeerRecord{LastSeen: p.now().UTC()}
	for _, a := range info.Addrs {
		rec.Addrs = append(rec.Addrs, a.String())
	}
	return p.put(info.ID, rec)
}

// Failed counts a failed dial and drops the peer when the drop rule holds.
func (p *PeerDB) Failed(id peer.ID) error {
	return p.db.Update(func(txn *badger.Txn) error {
		rec, err := get(txn, id)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		rec.Failures++
		if rec.Failures >= p.DropFailures && p.now().Sub(rec.LastSeen) >= p.DropAge {
			return txn.Delete([]byte(id))
		}
		return setRecord(txn, id, rec)
	})
}

// List returns every saved peer.
func (p *PeerDB) List() ([]PeerRecord, error) {
	var out []PeerRecord
	err := p.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			id := peer.ID(item.KeyCopy(nil))
			var rec PeerRecord
			if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &rec) }); err != nil {
				return fmt.Errorf("peer DB record %s: %w", id, err)
			}
			rec.ID = id
			out = append(out, rec)
		}
		return nil
	})
	return out, err
}

func (p *PeerDB) put(id peer.ID, rec PeerRecord) error {
	return p.db.Update(func(txn *badger.Txn) error { return setRecord(txn, id, rec) })
}

func get(txn *badger.Txn, id peer.ID) (PeerRecord, error) {
	var rec PeerRecord
	item, err := txn.Get([]byte(id))
	if err != nil {
		return rec, err
	}
	err = item.Value(func(v []byte) error { return json.Unmarshal(v, &rec) })
	return rec, err
}

func setRecord(txn *badger.Txn, id peer.ID, rec PeerRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return txn.Set([]byte(id), v)
}
