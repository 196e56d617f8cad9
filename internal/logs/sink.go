package logs

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Sink receives whole log lines. WriteLine is safe for concurrent use; each call writes one
// line in one write, so lines from concurrent requests never interleave.
type Sink interface {
	// WriteLine writes p as one line; a trailing "\n" is added when p lacks one.
	WriteLine(p []byte) error
	Close() error
}

// File is an append-only log file opened with O_APPEND. Lines are buffered and written in
// blocks of whole lines — at 64 KiB, or FlushInterval after the first unwritten line — so a
// busy gateway does not pay one write(2) per line, and several processes may still share the
// file. Reopen supports log rotation: after the file is renamed, Reopen (on SIGHUP) starts a new
// file at the same path.
type File struct {
	path string

	mu      sync.Mutex
	f       *os.File // nil once closed
	pending []byte
	timer   *time.Timer
	armed   bool // the timer will flush
}

// FlushInterval bounds how long a written line may wait in a File's buffer.
const FlushInterval = 200 * time.Millisecond

const flushSize = 64 << 10

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

// WriteLine appends p (plus "\n" when missing) to the buffer; p may hold several whole lines,
// which stay together in the file.
func (f *File) WriteLine(p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return fmt.Errorf("log file %s: %w", f.path, os.ErrClosed)
	}
	f.pending = append(f.pending, p...)
	if len(p) == 0 || p[len(p)-1] != '\n' {
		f.pending = append(f.pending, '\n')
	}
	if len(f.pending) >= flushSize {
		return f.flushLocked()
	}
	if !f.armed {
		f.armed = true
		if f.timer == nil {
			f.timer = time.AfterFunc(FlushInterval, f.timedFlush)
		} else {
			f.timer.Reset(FlushInterval)
		}
	}
	return nil
}

func (f *File) timedFlush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed = false
	_ = f.flushLocked()
}

// Flush writes the buffered lines now.
func (f *File) Flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flushLocked()
}

func (f *File) flushLocked() error {
	if f.f == nil || len(f.pending) == 0 {
		return nil
	}
	_, err := f.f.Write(f.pending)
	f.pending = f.pending[:0]
	if err != nil {
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
	ferr := f.flushLocked()
	old := f.f
	f.f = nf
	if ferr != nil {
		old.Close()
		return ferr
	}
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
	if f.timer != nil {
		f.timer.Stop()
	}
	ferr := f.flushLocked()
	err := f.f.Close()
	f.f = nil
	if err == nil {
		err = ferr
	}
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
