// Package newlayer has no rule.
package newlayer
