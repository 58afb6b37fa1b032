package journal

import (
	"os"
	"syscall"
)

// datasync is fdatasync: the file's data, and its size only if it changed.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
