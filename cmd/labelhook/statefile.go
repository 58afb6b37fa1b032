package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/labelhook/labelhook/server"
)

// loadState restores the server from the state file. A missing file is a
// fresh start (false, nil); a file that cannot be read or restored is an
// error naming it, and is left as it is.
func loadState(srv *server.Server, path string) (bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read state file: %w", err)
	}
	if err := srv.Restore(b); err != nil {
		return false, fmt.Errorf("state file %s: %w", path, err)
	}
	return true, nil
}

// stateSaver writes the server's state to a file after changes, at most
// once per stateSaveEvery, and once more at shutdown. Every write is
// atomic: readers see the old file or the new one, never a mix.
type stateSaver struct {
	path    string
	log     *slog.Logger
	srv     *server.Server
	started bool
	kick    chan struct{}
	quit    chan struct{}
	done    chan struct{}
	last    []byte // what the file holds
}

func newStateSaver(path string, log *slog.Logger) *stateSaver {
	return &stateSaver{path: path, log: log, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// changed is the server's OnChange: it never blocks.
func (sv *stateSaver) changed() {
	select {
	case sv.kick <- struct{}{}:
	default: // a save is already due
	}
}

// start runs the saving loop; sv.srv must be set.
func (sv *stateSaver) start() {
	sv.started = true
	go sv.run()
}

func (sv *stateSaver) run() {
	defer close(sv.done)
	for {
		select {
		case <-sv.quit:
			return
		case <-sv.kick:
		}
		if err := sv.save(); err != nil {
			sv.log.Error("save state", "file", sv.path, "err", err)
		}
		// Changes during the pause collect in kick and make one save.
		pause := time.NewTimer(stateSaveEvery)
		select {
		case <-sv.quit:
			pause.Stop()
			return
		case <-pause.C:
		}
	}
}

// close stops the saver and makes the final save.
func (sv *stateSaver) close() error {
	if !sv.started {
		return nil
	}
	close(sv.quit)
	<-sv.done
	return sv.save()
}

func (sv *stateSaver) save() error {
	b, err := sv.srv.Snapshot()
	if err != nil {
		return err
	}
	if bytes.Equal(b, sv.last) {
		return nil
	}
	if err := writeFileAtomic(sv.path, b); err != nil {
		return err
	}
	sv.last = b
	sv.log.Debug("state saved", "file", sv.path, "bytes", len(b))
	return nil
}

// writeFileAtomic replaces path with data: it writes a temporary file in
// the same directory, syncs it, renames it over path and syncs the
// directory, so a crash leaves the old file or the new one.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write state file: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync state file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close state file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace state file: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync state directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync state directory: %w", err)
	}
	return nil
}
