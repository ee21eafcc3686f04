// Command refgen is this project's handle on the reference eStargz implementation
// (containerd/stargz-snapshotter v0.12, Go sources from Debian 12's
// golang-github-containerd-stargz-snapshotter-dev). Tests use it in two directions: as an
// independent producer of eStargz and stargz-flavoured zstd:chunked blobs for our readers, and
// as an independent reader that must accept the blobs our writers make.
//
// Usage:
//
//	refgen build gzip|zstd IN.tar OUT.blob [-chunk N] [-prio a,b,...]
//	    writes the blob; prints {"tocDigest":...,"diffID":...,"size":N} on one line
//	refgen verify gzip|zstd BLOB TOCDIGEST
//	    opens BLOB, checks its TOC against TOCDIGEST and every chunk of every regular file
//	    against the TOC; prints "verified N regular files"
//
// Any failure exits with status 1 and says what failed on stderr (status 2: bad usage).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/containerd/stargz-snapshotter/estargz"
	"github.com/containerd/stargz-snapshotter/estargz/zstdchunked"
	digest "github.com/opencontainers/go-digest"
)

const usage = `usage:
  refgen build gzip|zstd IN.tar OUT.blob [-chunk N] [-prio a,b,...]
  refgen verify gzip|zstd BLOB TOCDIGEST`

// zstdCodec joins the zstd:chunked compressor and decompressor into estargz.Compression.
type zstdCodec struct {
	*zstdchunked.Compressor
	*zstdchunked.Decompressor
}

// buildResult is what `refgen build` prints: what a manifest and an image config need.
type buildResult struct {
	TOCDigest string `json:"tocDigest"`
	DiffID    string `json:"diffID"`
	Size      int64  `json:"size"`
}

func main() {
	if len(os.Args) < 5 || (os.Args[2] != "gzip" && os.Args[2] != "zstd") {
		fail(2, errors.New(usage))
	}
	command, kind, args := os.Args[1], os.Args[2], os.Args[3:]
	var err error
	switch command {
	case "build":
		err = build(kind, args[0], args[1], args[2:])
	case "verify":
		if len(args) != 2 {
			fail(2, errors.New(usage))
		}
		err = verify(kind, args[0], digest.Digest(args[1]))
	default:
		fail(2, errors.New(usage))
	}
	if err != nil {
		fail(1, err)
	}
}

func fail(status int, err error) {
	fmt.Fprintln(os.Stderr, "refgen:", err)
	os.Exit(status)
}

func build(kind, in, out string, flags []string) error {
	fs := flag.NewFlagSet("refgen build", flag.ContinueOnError)
	chunkSize := fs.Int("chunk", 0, "chunk size in bytes (default: the implementation's)")
	prioritized := fs.String("prio", "", "comma-separated files to put first (missing ones are allowed)")
	if err := fs.Parse(flags); err != nil {
		return err
	}
	tar, err := os.Open(in)
	if err != nil {
		return err
	}
	defer tar.Close()
	info, err := tar.Stat()
	if err != nil {
		return err
	}
	var opts []estargz.Option
	if *chunkSize > 0 {
		opts = append(opts, estargz.WithChunkSize(*chunkSize))
	}
	if *prioritized != "" {
		var missing []string
		opts = append(opts, estargz.WithPrioritizedFiles(strings.Split(*prioritized, ",")),
			estargz.WithAllowPrioritizeNotFound(&missing))
	}
	if kind == "zstd" {
		opts = append(opts, estargz.WithCompression(&zstdCodec{
			&zstdchunked.Compressor{CompressionLevel: 3}, &zstdchunked.Decompressor{}}))
	}
	blob, err := estargz.Build(io.NewSectionReader(tar, 0, info.Size()), opts...)
	if err != nil {
		return fmt.Errorf("building from %s: %w", in, err)
	}
	defer blob.Close()
	dst, err := os.Create(out)
	if err != nil {
		return err
	}
	size, err := io.Copy(dst, blob)
	if closeErr := dst.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	line, err := json.Marshal(buildResult{blob.TOCDigest().String(), blob.DiffID().String(), size})
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}

func verify(kind, path string, tocDigest digest.Digest) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	var opts []estargz.OpenOption
	if kind == "zstd" {
		opts = append(opts, estargz.WithDecompressors(&zstdchunked.Decompressor{}))
	}
	r, err := estargz.Open(io.NewSectionReader(f, 0, info.Size()), opts...)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	verifiers, err := r.VerifyTOC(tocDigest)
	if err != nil {
		return fmt.Errorf("%s: TOC does not match %s: %w", path, tocDigest, err)
	}
	root, ok := r.Lookup("")
	if !ok {
		return fmt.Errorf("%s: the TOC has no root directory", path)
	}
	v := chunkChecker{r, verifiers}
	files, err := v.tree(root)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Printf("verified %d regular files\n", files)
	return nil
}

// chunkChecker reads every chunk of a blob's regular files through the reference verifiers.
type chunkChecker struct {
	r         *estargz.Reader
	verifiers estargz.TOCEntryVerifier
}

// tree checks every regular file below dir and returns how many there were.
func (c chunkChecker) tree(dir *estargz.TOCEntry) (int, error) {
	files := 0
	var err error
	dir.ForeachChild(func(_ string, e *estargz.TOCEntry) bool {
		if e.Type == "reg" {
			if err = c.file(e); err != nil {
				return false
			}
			files++
		}
		var below int
		below, err = c.tree(e)
		files += below
		return err == nil
	})
	return files, err
}

func (c chunkChecker) file(e *estargz.TOCEntry) error {
	content, err := c.r.OpenFile(e.Name)
	if err != nil {
		return fmt.Errorf("opening %s: %w", e.Name, err)
	}
	for offset := int64(0); offset < e.Size; {
		chunk, ok := c.r.ChunkEntryForOffset(e.Name, offset)
		if !ok {
			return fmt.Errorf("%s: no chunk at offset %d", e.Name, offset)
		}
		check, err := c.verifiers.Verifier(chunk)
		if err != nil {
			return fmt.Errorf("%s@%d: %w", e.Name, offset, err)
		}
		if _, err := io.Copy(check, io.NewSectionReader(content, chunk.ChunkOffset, chunk.ChunkSize)); err != nil {
			return fmt.Errorf("reading %s@%d: %w", e.Name, offset, err)
		}
		if !check.Verified() {
			return fmt.Errorf("%s@%d: chunk digest %s does not match", e.Name, offset, chunk.ChunkDigest)
		}
		offset += chunk.ChunkSize
	}
	return nil
}
