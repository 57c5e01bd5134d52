// Package jst is a vocabulary package that does I/O: the workflows reach
// net/http through it.
package jst

import "net/http"

// Client is I/O in the vocabulary.
var Client = http.DefaultClient
