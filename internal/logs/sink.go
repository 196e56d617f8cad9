package logs

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Sink receives whole log lines. WriteLine is safe for concurrent use; each call writes one
// line in one write, so lines from concurrent requests never interleave.
type Sink interface {
	// WriteLine writes p as one line; a trailing "\n" is added when p lacks one.
	WriteLine(p []byte) error
	Close() error
}

// File is an append-only log file. Every line is one write(2) to a file opened with
// O_APPEND, so several processes may share the file. Reopen supports log rotation: after
// the file is renamed, Reopen (on SIGHUP) starts a new file at the same path.
type File struct {
	path string

	mu  sync.Mutex
	f   *os.File // nil once closed
	buf []byte
}

var _ Sink = (*File)(nil)

// OpenFile opens path for appending, creating it and its directories.
func OpenFile(path string) (*File, error) {
	f, err := openAppend(path)
	if err != nil {
		return nil, err
	}
	return &File{path: path, f: f}, nil
}

func openAppend(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("log file %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("log file: %w", err)
	}
	return f, nil
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// WriteLine appends p (plus "\n" when missing) in a single write.
func (f *File) WriteLine(p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return fmt.Errorf("log file %s: %w", f.path, os.ErrClosed)
	}
	if len(p) == 0 || p[len(p)-1] != '\n' {
		f.buf = append(append(f.buf[:0], p...), '\n')
		p = f.buf
	}
	if _, err := f.f.Write(p); err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	return nil
}

// Reopen closes the file and opens path again, so that a rotated file is released and a new
// one started. On failure the old file stays in use.
func (f *File) Reopen() error {
	nf, err := openAppend(f.path)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		nf.Close()
		return fmt.Errorf("log file %s: %w", f.path, os.ErrClosed)
	}
	old := f.f
	f.f = nf
	if err := old.Close(); err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	return nil
}

// Close closes the file. Later writes fail with os.ErrClosed; closing twice is not an error.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return nil
	}
	err := f.f.Close()
	f.f = nil
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	return nil
}

// writerSink serialises whole lines onto an io.Writer.
type writerSink struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// NewWriterSink returns a Sink that writes each line to w in one Write call. Close does not
// close w.
func NewWriterSink(w io.Writer) Sink { return &writerSink{w: w} }

var stdout = &writerSink{w: os.Stdout}

// Stdout returns the process-wide standard-output sink. Close is a no-op.
func Stdout() Sink { return stdout }

func (s *writerSink) WriteLine(p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(p) == 0 || p[len(p)-1] != '\n' {
		s.buf = append(append(s.buf[:0], p...), '\n')
		p = s.buf
	}
	n, err := s.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("log: %w", err)
	}
	return nil
}

func (s *writerSink) Close() error { return nil }
