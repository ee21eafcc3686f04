// tarsplitcheck checks a zstd:chunked layer's tar-split and manifest with Go's own libraries,
// as current containers/storage uses them for a partial pull:
//
//	tarsplitcheck INPUT.tar TARSPLIT.json MANIFEST.json OUT.tar
//
// It rebuilds the tar from the tar-split (github.com/vbatts/tar-split asm.NewOutputTarStream,
// which checks every file's CRC-64) with file contents taken from INPUT.tar, writes it to OUT.tar,
// then reads OUT.tar with archive/tar and checks each header against the manifest entry of the
// same name, field by field (the checks of containers/storage's ensureTOCMatchesTarSplit).
package main

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vbatts/tar-split/tar/asm"
	"github.com/vbatts/tar-split/tar/storage"
)

type entry struct {
	Type       string            `json:"type"`
	Name       string            `json:"name"`
	Linkname   string            `json:"linkName"`
	Mode       int64             `json:"mode"`
	Size       int64             `json:"size"`
	UID        int               `json:"uid"`
	GID        int               `json:"gid"`
	ModTime    *time.Time        `json:"modtime"`
	AccessTime *time.Time        `json:"accesstime"`
	ChangeTime *time.Time        `json:"changetime"`
	Devmajor   int64             `json:"devMajor"`
	Devminor   int64             `json:"devMinor"`
	Xattrs     map[string]string `json:"xattrs"`
}

type manifest struct {
	Version int     `json:"version"`
	Entries []entry `json:"entries"`
}

type getter map[string][]byte

func (g getter) Get(name string) (io.ReadCloser, error) {
	b, ok := g[name]
	if !ok {
		return nil, fmt.Errorf("no content for %q", name)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

var types = map[byte]string{tar.TypeReg: "reg", tar.TypeLink: "hardlink", tar.TypeSymlink: "symlink",
	tar.TypeChar: "char", tar.TypeBlock: "block", tar.TypeDir: "dir", tar.TypeFifo: "fifo"}

func main() {
	in, ts, man, out := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	g := getter{}
	f, err := os.Open(in)
	check(err)
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		check(err)
		b, err := io.ReadAll(tr)
		check(err)
		g[h.Name] = b
	}
	tf, err := os.Open(ts)
	check(err)
	rc := asm.NewOutputTarStream(g, storage.NewJSONUnpacker(tf))
	o, err := os.Create(out)
	check(err)
	_, err = io.Copy(o, rc)
	check(err)
	check(rc.Close())
	check(o.Close())

	var m manifest
	mb, err := os.ReadFile(man)
	check(err)
	check(json.Unmarshal(mb, &m))
	byName := map[string]entry{}
	for _, e := range m.Entries {
		if e.Type != "chunk" {
			if _, dup := byName[e.Name]; dup {
				fail("manifest has %q twice", e.Name)
			}
			byName[e.Name] = e
		}
	}
	rf, err := os.Open(out)
	check(err)
	rt := tar.NewReader(rf)
	n := 0
	for {
		h, err := rt.Next()
		if err == io.EOF {
			break
		}
		check(err)
		e, ok := byName[h.Name]
		if !ok {
			fail("tar has %q, the manifest does not", h.Name)
		}
		delete(byName, h.Name)
		compare(h, e)
		n++
	}
	if len(byName) > 0 {
		fail("manifest entries missing from the tar: %v", byName)
	}
	fmt.Printf("ok %d entries\n", n)
}

func compare(h *tar.Header, e entry) {
	want := map[string]string{}
	for k, v := range h.PAXRecords {
		if strings.HasPrefix(k, "SCHILY.xattr.") {
			want[k[len("SCHILY.xattr."):]] = base64.StdEncoding.EncodeToString([]byte(v))
		}
	}
	same := func(what string, a, b interface{}) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			fail("%s: %s is %v in the tar but %v in the manifest", h.Name, what, a, b)
		}
	}
	same("type", types[h.Typeflag], e.Type)
	same("linkName", h.Linkname, e.Linkname)
	same("mode", h.Mode, e.Mode)
	same("size", h.Size, e.Size)
	same("uid", h.Uid, e.UID)
	same("gid", h.Gid, e.GID)
	same("devMajor", h.Devmajor, e.Devmajor)
	same("devMinor", h.Devminor, e.Devminor)
	same("xattrs", fmt.Sprint(want), fmt.Sprint(orEmpty(e.Xattrs)))
	sameTime(h.Name, "modtime", h.ModTime, e.ModTime)
	sameTime(h.Name, "accesstime", h.AccessTime, e.AccessTime)
	sameTime(h.Name, "changetime", h.ChangeTime, e.ChangeTime)
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// sameTime treats a zero time, the Unix epoch and a missing value alike, as containers/storage does.
func sameTime(name, what string, t time.Time, p *time.Time) {
	unixZero := time.Unix(0, 0)
	a := &t
	if t.IsZero() || t.Equal(unixZero) {
		a = nil
	}
	if p != nil && (p.IsZero() || p.Equal(unixZero)) {
		p = nil
	}
	if (a == nil) != (p == nil) || (a != nil && !a.Equal(*p)) {
		fail("%s: %s is %v in the tar but %v in the manifest", name, what, a, p)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "error: "+format+"\n", args...)
	os.Exit(1)
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}
