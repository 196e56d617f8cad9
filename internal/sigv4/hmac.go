package sigv4

import "crypto/sha256"

// hmacSHA256 returns HMAC-SHA256(key, msg) (RFC 2104) computed with sha256.Sum256 over stack
// buffers, so deriving the five-step SigV4 key costs no allocation (crypto/hmac allocates two
// digests per key). The result is checked against crypto/hmac in the tests.
func hmacSHA256[M string | []byte](key []byte, msg M) [sha256.Size]byte {
	var k [sha256.BlockSize]byte
	if len(key) > sha256.BlockSize {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var stack [sha256.BlockSize + 512]byte
	var buf []byte
	if len(msg) <= 512 {
		buf = stack[:sha256.BlockSize+len(msg)]
	} else {
		buf = make([]byte, sha256.BlockSize+len(msg))
	}
	for i := range sha256.BlockSize {
		buf[i] = k[i] ^ 0x36
	}
	copy(buf[sha256.BlockSize:], msg)
	inner := sha256.Sum256(buf)
	var outer [sha256.BlockSize + sha256.Size]byte
	for i := range sha256.BlockSize {
		outer[i] = k[i] ^ 0x5c
	}
	copy(outer[sha256.BlockSize:], inner[:])
	return sha256.Sum256(outer[:])
}

// signingKey derives kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
// "aws4_request"). Nothing is cached between calls.
func signingKey(secret, date, region, service string) [sha256.Size]byte {
	var buf [128]byte
	k := append(append(buf[:0], "AWS4"...), secret...)
	out := hmacSHA256(k, date)
	out = hmacSHA256(out[:], region)
	out = hmacSHA256(out[:], service)
	return hmacSHA256(out[:], terminator)
}
