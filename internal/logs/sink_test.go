package logs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if s == "" {
		return nil
	}
	if !strings.HasSuffix(s, "\n") {
		t.Fatalf("%s does not end in a newline", path)
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// TestFileConcurrentWholeLines writes from many goroutines, with lines long enough to span
// several pipe/page-sized chunks, and checks that every line arrives whole.
func TestFileConcurrentWholeLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "access.log")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const writers, perWriter = 32, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				pad := strings.Repeat(string(rune('a'+w%26)), (w*perWriter+i)%5000)
				line := fmt.Sprintf("w=%d i=%d %s|", w, i, pad)
				p := []byte(line)
				if i%2 == 0 {
					p = append(p, '\n') // both forms are accepted
				}
				if err := f.WriteLine(p); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, path)
	if len(lines) != writers*perWriter {
		t.Fatalf("got %d lines; want %d", len(lines), writers*perWriter)
	}
	seen := make(map[string]bool)
	for _, l := range lines {
		var w, i int
		if _, err := fmt.Sscanf(l, "w=%d i=%d ", &w, &i); err != nil {
			t.Fatalf("torn line %.80q: %v", l, err)
		}
		pad := strings.Repeat(string(rune('a'+w%26)), (w*perWriter+i)%5000)
		if want := fmt.Sprintf("w=%d i=%d %s|", w, i, pad); l != want {
			t.Fatalf("line for w=%d i=%d is torn (len %d, want %d)", w, i, len(l), len(want))
		}
		key := fmt.Sprint(w, "/", i)
		if seen[key] {
			t.Fatalf("duplicate line %s", key)
		}
		seen[key] = true
	}
}

func TestFileAppendsAndReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	if err := os.WriteFile(path, []byte("existing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Path() != path {
		t.Errorf("Path() = %q", f.Path())
	}
	if err := f.WriteLine([]byte("one")); err != nil {
		t.Fatal(err)
	}
	// Rotate: rename the file away, then Reopen as on SIGHUP.
	rotated := path + ".1"
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteLine([]byte("two\n")); err != nil { // still goes to the renamed file
		t.Fatal(err)
	}
	if err := f.Reopen(); err != nil {
		t.Fatal(err)
	}
	if err := f.WriteLine([]byte("three")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := readLines(t, rotated), []string{"existing", "one", "two"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("rotated file = %q; want %q", got, want)
	}
	if got := readLines(t, path); len(got) != 1 || got[0] != "three" {
		t.Errorf("new file = %q; want [three]", got)
	}
	// Closed: writes and Reopen fail with os.ErrClosed; Close again is fine.
	if err := f.WriteLine([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("WriteLine after Close = %v; want os.ErrClosed", err)
	}
	if err := f.Reopen(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Reopen after Close = %v; want os.ErrClosed", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestOpenFileError(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFile(filepath.Join(blocker, "x.log")); err == nil {
		t.Error("OpenFile under a regular file succeeded")
	}
}

// TestConcurrentReopen rotates while writers run; with -race this checks the locking.
func TestConcurrentReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.log")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if err := f.WriteLine([]byte("line")); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 20 {
		if err := f.Reopen(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := len(readLines(t, path)); n != 800 {
		t.Errorf("%d lines; want 800", n)
	}
}

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestWriterSink(t *testing.T) {
	var buf bytes.Buffer
	s := NewWriterSink(&buf)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for range 50 {
				if err := s.WriteLine([]byte(strings.Repeat("x", i+1))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	n := 0
	for sc.Scan() {
		if l := sc.Text(); strings.Trim(l, "x") != "" || len(l) == 0 {
			t.Fatalf("bad line %q", l)
		}
		n++
	}
	if n != 800 {
		t.Errorf("%d lines; want 800", n)
	}
	if err := NewWriterSink(shortWriter{}).WriteLine([]byte("abc")); err == nil {
		t.Error("short write not reported")
	}
	if Stdout() != Stdout() || Stdout().Close() != nil {
		t.Error("Stdout must be one shared sink with a no-op Close")
	}
}

// Buffered lines reach the file within FlushInterval without an explicit Flush.
func TestFileFlushesOnTimer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.log")
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.WriteLine([]byte("one")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * FlushInterval)
	for len(readLines(t, path)) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("line not flushed by the timer")
		}
		time.Sleep(FlushInterval / 4)
	}
}
