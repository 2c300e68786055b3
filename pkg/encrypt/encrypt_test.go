package encrypt

import (
	"bytes"
	"crypto/aes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func mustKey(t testing.TB, hexKey string) []byte {
	t.Helper()
	key, err := ParseKey(hexKey)
	require.NoError(t, err)
	return key
}

// cfbByHand is CFB-128 written from its definition: each keystream block is
// AES(previous ciphertext block), starting from AES(iv).
func cfbByHand(t *testing.T, key, iv, plain []byte) []byte {
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	out := make([]byte, len(plain))
	prev, ks := iv, make([]byte, aes.BlockSize)
	for i := 0; i < len(plain); i += aes.BlockSize {
		block.Encrypt(ks, prev)
		end := min(i+aes.BlockSize, len(plain))
		for j := i; j < end; j++ {
			out[j] = plain[j] ^ ks[j-i]
		}
		prev = out[i:end]
	}
	return out
}

// The want values were produced independently with `openssl enc -aes-256-cfb`
// and Python's cryptography package.
func TestGolden(t *testing.T) {
	seqIV, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f")
	ffIV := bytes.Repeat([]byte{0xff}, 16)
	for _, tc := range []struct {
		name, key string
		iv        []byte
		plain     string
		want      string
	}{
		{"default key, two blocks", "", seqIV, "a plain text that spans two AES blocks!",
			"AAECAwQFBgcICQoLDA0OD0BAsToGg/hIwZkfwAp3S/KRohtHXd9VzlafySTvlI2hwqr3PXXSpxQ="},
		{"default key, empty", DefaultSecretKey, seqIV, "", "AAECAwQFBgcICQoLDA0OD0A="},
		{"aes-128", "000102030405060708090a0b0c0d0e0f", ffIV, "secret", "/////////////////////0BPIXxAq3M="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := mustKey(t, tc.key)
			got, err := encrypt(key, tc.iv, tc.plain)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)

			byHand := append(append(append([]byte{}, tc.iv...), '@'), cfbByHand(t, key, tc.iv, []byte(tc.plain))...)
			require.Equal(t, base64.StdEncoding.EncodeToString(byHand), got)

			plain, err := decrypt(key, tc.want)
			require.NoError(t, err)
			require.Equal(t, tc.plain, plain)
		})
	}
}

func TestRoundTripEnv(t *testing.T) {
	for _, key := range []string{"", "00112233445566778899aabbccddeeff", strings.Repeat("ab", 24), strings.Repeat("cd", 32)} {
		t.Setenv(EnvSecretKey, key)
		for _, plain := range []string{"", "p", "pass word with ünïcode", strings.Repeat("x", 1000)} {
			enc, err := EncryptString(plain)
			require.NoError(t, err)
			again, err := EncryptString(plain)
			require.NoError(t, err)
			require.NotEqual(t, enc, again, "the iv must be random")
			got, err := DecryptString(enc)
			require.NoError(t, err)
			require.Equal(t, plain, got)
		}
	}
}

func TestKeyFromEnv(t *testing.T) {
	env := func(v string, ok bool) func(string) (string, bool) {
		return func(name string) (string, bool) {
			require.Equal(t, EnvSecretKey, name)
			return v, ok
		}
	}
	def, _ := hex.DecodeString(DefaultSecretKey)
	key, err := keyFromEnv(env("", false))
	require.NoError(t, err)
	require.Equal(t, def, key)
	key, err = keyFromEnv(env("", true))
	require.NoError(t, err)
	require.Equal(t, def, key)
	key, err = keyFromEnv(env("00112233445566778899AABBCCDDEEFF", true))
	require.NoError(t, err)
	require.Len(t, key, 16)

	for _, bad := range []string{"xyz", "abc", "0011", strings.Repeat("00", 20), strings.Repeat("00", 33)} {
		_, err := keyFromEnv(env(bad, true))
		require.ErrorIs(t, err, ErrInvalidKey, bad)
		require.ErrorContains(t, err, EnvSecretKey)
	}
	t.Setenv(EnvSecretKey, "nothex")
	_, err = EncryptString("x")
	require.ErrorIs(t, err, ErrInvalidKey)
	_, err = DecryptString("AAECAwQFBgcICQoLDA0OD0A=")
	require.ErrorIs(t, err, ErrInvalidKey)
}

func TestDecryptErrors(t *testing.T) {
	key := mustKey(t, "")
	good, err := encrypt(key, make([]byte, 16), "a plain text")
	require.NoError(t, err)
	raw, _ := base64.StdEncoding.DecodeString(good)
	noSep := append(append([]byte{}, raw[:16]...), raw[17:]...)
	for name, in := range map[string]string{
		"not base64":     "%%%",
		"empty":          "",
		"iv only":        base64.StdEncoding.EncodeToString(raw[:16]),
		"no separator":   base64.StdEncoding.EncodeToString(noSep),
		"short":          base64.StdEncoding.EncodeToString(raw[:10]),
		"missing pad":    strings.TrimRight(good, "="),
		"shifted by one": base64.StdEncoding.EncodeToString(raw[1:]),
	} {
		_, err := decrypt(key, in)
		require.ErrorIs(t, err, ErrMalformedCiphertext, name)
	}
	_, err = encrypt(key, make([]byte, 8), "x")
	require.Error(t, err)
	_, err = decrypt([]byte("short"), good)
	require.ErrorIs(t, err, ErrInvalidKey)
}

// The format has no integrity check: a wrong key decrypts to other bytes.
func TestWrongKey(t *testing.T) {
	enc, err := encrypt(mustKey(t, ""), make([]byte, 16), "a plain text")
	require.NoError(t, err)
	got, err := decrypt(mustKey(t, strings.Repeat("11", 32)), enc)
	require.NoError(t, err)
	require.NotEqual(t, "a plain text", got)
	require.Len(t, got, len("a plain text"))
}

func FuzzDecrypt(f *testing.F) {
	f.Add("AAECAwQFBgcICQoLDA0OD0BAsToGg/hIwZkfwAp3S/KRohtHXd9VzlafySTvlI2hwqr3PXXSpxQ=")
	f.Add("AAECAwQFBgcICQoLDA0OD0A=")
	f.Add("")
	f.Add("@@@@")
	key := mustKey(f, "")
	f.Fuzz(func(t *testing.T, in string) {
		plain, err := decrypt(key, in)
		if err != nil {
			return
		}
		// Whatever decrypts re-encrypts to the same text with its own iv.
		raw, _ := base64.StdEncoding.DecodeString(in)
		again, err := encrypt(key, raw[:16], plain)
		require.NoError(t, err)
		require.Equal(t, base64.StdEncoding.EncodeToString(raw), again)
	})
}
