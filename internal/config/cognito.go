package config

import (
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/portcullis/portcullis/internal/cognito"
)

// jwksFetchTimeout bounds fetching a user pool's jwksUrl at load time.
const jwksFetchTimeout = 5 * time.Second

// userPools loads the JWKS of every configured Cognito user pool, once per config load.
func (k *compiler) userPools(w *World) {
	w.UserPools = map[string]*cognito.Pool{}
	if k.c.Cognito == nil {
		return
	}
	for i, up := range k.c.Cognito.UserPools {
		f := indexPath("cognito.userPools", i)
		data, src, err := k.readJWKS(up)
		if err != nil {
			k.bad(f, "%v", err)
			continue
		}
		p, err := cognito.NewPool(up.ARN, up.Issuer, data)
		if err != nil {
			k.bad(f, "%s: %v", src, err)
			continue
		}
		w.UserPools[up.ARN] = p
	}
}

func (k *compiler) readJWKS(up *UserPoolConfig) ([]byte, string, error) {
	if up.JWKSURL != "" {
		c := &http.Client{Timeout: jwksFetchTimeout}
		resp, err := c.Get(up.JWKSURL)
		if err != nil {
			return nil, up.JWKSURL, fmt.Errorf("fetching jwksUrl: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, up.JWKSURL, fmt.Errorf("fetching jwksUrl %s: HTTP %d", up.JWKSURL, resp.StatusCode)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return data, up.JWKSURL, err
	}
	if k.opts.FS != nil {
		p := path.Join(k.c.dir, up.JWKSFile)
		data, err := fs.ReadFile(k.opts.FS, p)
		if err != nil {
			return nil, p, fmt.Errorf("jwksFile: %w", err)
		}
		return data, p, nil
	}
	p := up.JWKSFile
	if !filepath.IsAbs(p) {
		p = filepath.Join(k.c.dir, p)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, p, fmt.Errorf("jwksFile: %w", err)
	}
	return data, p, nil
}
