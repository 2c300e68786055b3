// Package encrypt encrypts and decrypts the passwords kept in configuration
// files (encrypted_password), compatible with the original binlogctl
// -cmd encrypt.
//
// Format: base64 (standard alphabet, padded) of
//
//	iv (16 random bytes) | '@' | AES-CFB(key, iv, plaintext)
//
// where CFB is the full-block (128-bit segment) mode. The key is the hex value
// of the environment variable BINLOG_SECRET_KEY (16, 24 or 32 bytes select
// AES-128/192/256) or, when that is unset or empty, the built-in
// DefaultSecretKey. The format carries no integrity check: a wrong key yields
// garbage, not an error, which is why DecryptString reports only malformed
// input.
package encrypt
