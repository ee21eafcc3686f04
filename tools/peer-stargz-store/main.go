// Command peer-stargz-store runs the reference additional layer store, the `store` package of
// containerd/stargz-snapshotter v0.12 (Go sources from Debian 12's
// golang-github-containerd-stargz-snapshotter-dev), so benchmarks can compare this project
// with the implementation it follows on the same images. podman 4.3.1 uses it with
// additionallayerstores = ["MOUNTPOINT:ref"].
//
// Usage:
//
//	peer-stargz-store [-root DIR] [-plain-http] [-no-prefetch] [-no-background-fetch] [-debug] MOUNTPOINT
//
// Prints "mounted MOUNTPOINT" once the file system is up; unmounts on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/containerd/containerd/reference"
	"github.com/containerd/containerd/remotes/docker"
	"github.com/containerd/stargz-snapshotter/fs/config"
	"github.com/containerd/stargz-snapshotter/metadata/memory"
	"github.com/containerd/stargz-snapshotter/store"
)

// options are the command line: where state lives and which reference behaviours to switch off.
type options struct {
	root              string
	plainHTTP         bool
	noPrefetch        bool
	noBackgroundFetch bool
	debug             bool
	mountpoint        string
}

func main() {
	o, err := parseOptions(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer-stargz-store:", err)
		os.Exit(2)
	}
	if err := serve(o); err != nil {
		fmt.Fprintln(os.Stderr, "peer-stargz-store:", err)
		os.Exit(1)
	}
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("peer-stargz-store", flag.ContinueOnError)
	fs.StringVar(&o.root, "root", "/var/lib/peer-stargz-store", "state directory (layer caches)")
	fs.BoolVar(&o.plainHTTP, "plain-http", false, "talk plain HTTP to every registry")
	fs.BoolVar(&o.noPrefetch, "no-prefetch", false, "do not fetch the prioritized files first")
	fs.BoolVar(&o.noBackgroundFetch, "no-background-fetch", false, "do not fetch whole layers in the background")
	fs.BoolVar(&o.debug, "debug", false, "log every FUSE request")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() != 1 {
		return o, errors.New("usage: peer-stargz-store [flags] MOUNTPOINT")
	}
	o.mountpoint = fs.Arg(0)
	return o, nil
}

// registryHosts resolves every registry with containerd's defaults, optionally over plain HTTP.
func registryHosts(plainHTTP bool) func(reference.Spec) ([]docker.RegistryHost, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	opts := []docker.RegistryOpt{docker.WithClient(&http.Client{Transport: transport})}
	if plainHTTP {
		opts = append(opts, docker.WithPlainHTTP(func(string) (bool, error) { return true, nil }))
	}
	hosts := docker.ConfigureDefaultRegistries(opts...)
	return func(ref reference.Spec) ([]docker.RegistryHost, error) { return hosts(ref.Hostname()) }
}

func serve(o options) error {
	for dir, mode := range map[string]os.FileMode{o.root: 0o700, o.mountpoint: 0o755} {
		if err := os.MkdirAll(dir, mode); err != nil {
			return err
		}
	}
	ctx := context.Background()
	cfg := config.Config{NoPrefetch: o.noPrefetch, NoBackgroundFetch: o.noBackgroundFetch, NoPrometheus: true}
	layers, err := store.NewLayerManager(ctx, o.root, registryHosts(o.plainHTTP), memory.NewReader, cfg)
	if err != nil {
		return fmt.Errorf("layer manager in %s: %w", o.root, err)
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	if err := store.Mount(ctx, o.mountpoint, layers, o.debug); err != nil {
		return fmt.Errorf("mounting %s: %w", o.mountpoint, err)
	}
	fmt.Println("mounted", o.mountpoint)
	<-signals
	return unmount(o.mountpoint)
}

// unmount detaches the FUSE mount: fusermount for an unprivileged mount, else umount.
func unmount(mountpoint string) error {
	if err := exec.Command("fusermount", "-u", mountpoint).Run(); err == nil {
		return nil
	}
	if out, err := exec.Command("umount", mountpoint).CombinedOutput(); err != nil {
		return fmt.Errorf("unmounting %s: %v: %s", mountpoint, err, out)
	}
	return nil
}
