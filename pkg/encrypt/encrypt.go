package encrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// EnvSecretKey names the environment variable holding the hex key.
const EnvSecretKey = "BINLOG_SECRET_KEY"

// DefaultSecretKey is the built-in AES-256 key (hex) of the original tools.
const DefaultSecretKey = "a529b7665997f043a30ac8fadcb51d6aa032c226ab5b7750530b12b8c1a16a48"

// ivSep separates the IV from the encrypted bytes.
const ivSep = '@'

var (
	// ErrInvalidKey is returned when the secret key is not hex or not 16, 24
	// or 32 bytes long.
	ErrInvalidKey = errors.New("encrypt: invalid secret key")
	// ErrMalformedCiphertext is returned for input that is not base64 of
	// iv | '@' | data.
	ErrMalformedCiphertext = errors.New("encrypt: malformed ciphertext")
)

// EncryptString encrypts plain with the key from BINLOG_SECRET_KEY (or the
// default key) and a random IV.
func EncryptString(plain string) (string, error) {
	key, err := keyFromEnv(os.LookupEnv)
	if err != nil {
		return "", err
	}
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(iv); err != nil {
		return "", fmt.Errorf("generate iv: %w", err)
	}
	return encrypt(key, iv, plain)
}

// DecryptString decrypts the output of EncryptString (or of the original
// binlogctl -cmd encrypt) with the key from BINLOG_SECRET_KEY or the default.
func DecryptString(enc string) (string, error) {
	key, err := keyFromEnv(os.LookupEnv)
	if err != nil {
		return "", err
	}
	return decrypt(key, enc)
}

// ParseKey decodes a hex key; "" gives the default key.
func ParseKey(hexKey string) ([]byte, error) {
	if hexKey == "" {
		hexKey = DefaultSecretKey
	}
	key, err := hex.DecodeString(hexKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not hex: %v", ErrInvalidKey, EnvSecretKey, err)
	}
	switch len(key) {
	case 16, 24, 32:
		return key, nil
	}
	return nil, fmt.Errorf("%w: %s holds %d bytes, want 16, 24 or 32 (32, 48 or 64 hex digits)",
		ErrInvalidKey, EnvSecretKey, len(key))
}

func keyFromEnv(lookup func(string) (string, bool)) ([]byte, error) {
	v, _ := lookup(EnvSecretKey)
	return ParseKey(v)
}

func encrypt(key, iv []byte, plain string) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	if len(iv) != aes.BlockSize {
		return "", fmt.Errorf("encrypt: iv must be %d bytes, got %d", aes.BlockSize, len(iv))
	}
	out := make([]byte, aes.BlockSize+1+len(plain))
	copy(out, iv)
	out[aes.BlockSize] = ivSep
	//lint:ignore SA1019 the unauthenticated CFB format is fixed by the original tools
	cipher.NewCFBEncrypter(block, iv).XORKeyStream(out[aes.BlockSize+1:], []byte(plain))
	return base64.StdEncoding.EncodeToString(out), nil
}

func decrypt(key []byte, enc string) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMalformedCiphertext, err)
	}
	if len(data) <= aes.BlockSize || data[aes.BlockSize] != ivSep {
		return "", fmt.Errorf("%w: want base64 of a %d-byte iv, '@' and the data", ErrMalformedCiphertext, aes.BlockSize)
	}
	plain := make([]byte, len(data)-aes.BlockSize-1)
	//lint:ignore SA1019 the unauthenticated CFB format is fixed by the original tools
	cipher.NewCFBDecrypter(block, data[:aes.BlockSize]).XORKeyStream(plain, data[aes.BlockSize+1:])
	return string(plain), nil
}
