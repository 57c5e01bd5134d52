// Package codes is the vocabulary, as the rule wants it.
package codes

// Created is an outcome.
const Created = "created"

// Outcome is what a run did with a record.
type Outcome string
