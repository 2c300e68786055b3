// Package translatortest holds test helpers for code that translates
// binlogs: a fixed TableInfoGetter.
package translatortest
