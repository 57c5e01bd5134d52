// Package store is the database layer.
package store

// Row is a database row.
type Row struct{ ID int64 }

// Store reads rows.
type Store struct{}

// Rows reads them.
func (*Store) Rows() []Row { return nil }
