package org.stargzstore.fs.prefetch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A shared object a container loads fetches the libraries it links once it has arrived, found
 * where the loader finds them; parsed from this machine's real Python {@code _ssl} module
 * (libssl, libcrypto, libc). One that only arrived (read ahead with its directory) has its own
 * links fetched, not followed further until a container opens it.
 */
class LibraryPrefetcherTest {
  static final String SSL_MODULE =
      "usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so";

  final MergedView<String> view = new MergedView<>(List.of("base", "app"), List.of(
      MergedViewTest.index(MergedViewTest.dir("lib"), MergedViewTest.dir("lib/x86_64-linux-gnu"),
          MergedViewTest.file("lib/x86_64-linux-gnu/libc.so.6"),
          MergedViewTest.file("lib/x86_64-linux-gnu/libssl.so.3"),
          MergedViewTest.file("lib/x86_64-linux-gnu/libcrypto.so.3")),
      MergedViewTest.index(MergedViewTest.dir("usr"), MergedViewTest.dir("usr/lib"),
          MergedViewTest.dir("usr/lib/python3.11"),
          MergedViewTest.dir("usr/lib/python3.11/lib-dynload"),
          MergedViewTest.file(SSL_MODULE))));

  final List<String> fetched = new CopyOnWriteArrayList<>();
  final List<String> parsed = new CopyOnWriteArrayList<>();

  /** Files of the view, read from the same paths on this machine. */
  final EntrypointClosure.Files<String> hostFiles = new EntrypointClosure.Files<>() {
    @Override
    public void fetch(MergedView.Found<String> f) {
      fetched.add(f.path());
    }

    @Override
    public ElfLinks.Bytes bytes(MergedView.Found<String> f) {
      parsed.add(f.path());
      return ElfLinksTest.file(java.nio.file.Path.of(f.path()));
    }
  };

  @Test
  void aModuleArrivingFetchesTheLibrariesItLinksOnce() {
    LibraryPrefetcher<String> p = new LibraryPrefetcher<>("test", view, hostFiles, Runnable::run);
    p.opened(SSL_MODULE);
    p.arrived(SSL_MODULE);
    assertEquals(List.of("/lib/x86_64-linux-gnu/libssl.so.3",
        "/lib/x86_64-linux-gnu/libcrypto.so.3", "/lib/x86_64-linux-gnu/libc.so.6"), fetched);
    p.arrived(SSL_MODULE);
    assertEquals(List.of("/" + SSL_MODULE), parsed, "each shared object is parsed once");
    assertEquals(3, fetched.size());
  }

  @Test
  void aFileParsedElsewhereIsNotParsedAgain() {
    LibraryPrefetcher<String> p = new LibraryPrefetcher<>("test", view, hostFiles, Runnable::run);
    p.parsedElsewhere("/" + SSL_MODULE);
    p.arrived(SSL_MODULE);
    assertEquals(List.of(), parsed);
    assertEquals(List.of(), fetched);
  }

  @Test
  void librariesMissingFromTheImageAreSkipped() {
    MergedView<String> noCrypto = new MergedView<>(List.of("app"), List.of(
        MergedViewTest.index(MergedViewTest.dir("usr"), MergedViewTest.dir("usr/lib"),
            MergedViewTest.dir("usr/lib/python3.11"),
            MergedViewTest.dir("usr/lib/python3.11/lib-dynload"),
            MergedViewTest.file(SSL_MODULE), MergedViewTest.dir("lib"),
            MergedViewTest.dir("lib/x86_64-linux-gnu"),
            MergedViewTest.file("lib/x86_64-linux-gnu/libssl.so.3"))));
    LibraryPrefetcher<String> p =
        new LibraryPrefetcher<>("test", noCrypto, hostFiles, Runnable::run);
    p.opened(SSL_MODULE);
    p.arrived(SSL_MODULE);
    assertEquals(List.of("/lib/x86_64-linux-gnu/libssl.so.3"), fetched);
  }

  @Test
  void aFileThatIsNotElfFetchesNothing() {
    MergedView<String> v = new MergedView<>(List.of("app"), List.of(MergedViewTest.index(
        MergedViewTest.dir("etc"), MergedViewTest.file("etc/hostname.so"))));
    EntrypointClosure.Files<String> text = new EntrypointClosure.Files<>() {
      @Override
      public void fetch(MergedView.Found<String> f) {
        fetched.add(f.path());
      }

      @Override
      public ElfLinks.Bytes bytes(MergedView.Found<String> f) {
        return (offset, length) -> "not an ELF file\n".getBytes();
      }
    };
    LibraryPrefetcher<String> p = new LibraryPrefetcher<>("test", v, text, Runnable::run);
    p.opened("etc/hostname.so");
    p.arrived("etc/hostname.so");
    assertEquals(List.of(), fetched);
  }

  @Test
  void aModuleThatArrivedUnopenedFetchesItsOwnLinksButFollowsThemOnlyOnceOpened() {
    LibraryPrefetcher<String> p = new LibraryPrefetcher<>("test", view, hostFiles, Runnable::run);
    p.arrived(SSL_MODULE);
    assertEquals(List.of("/" + SSL_MODULE), parsed, "read ahead: its own links are fetched");
    assertEquals(List.of("/lib/x86_64-linux-gnu/libssl.so.3",
        "/lib/x86_64-linux-gnu/libcrypto.so.3", "/lib/x86_64-linux-gnu/libc.so.6"), fetched);
    p.arrived("lib/x86_64-linux-gnu/libssl.so.3");
    p.arrived(SSL_MODULE);
    assertEquals(List.of("/" + SSL_MODULE), parsed, "libssl's links are not followed yet");
    p.opened(SSL_MODULE);
    // opened: _ssl is followed, and libssl, which had arrived, with it
    assertEquals(List.of("/" + SSL_MODULE, "/" + SSL_MODULE, "/lib/x86_64-linux-gnu/libssl.so.3"),
        parsed);
    p.opened(SSL_MODULE);
    p.arrived("lib/x86_64-linux-gnu/libssl.so.3");
    assertEquals(3, parsed.size(), "each is followed once");
  }

  @Test
  void aLibraryFetchedForALoadedModuleIsParsedOnArrivalWithoutBeingOpened() {
    LibraryPrefetcher<String> p = new LibraryPrefetcher<>("test", view, hostFiles, Runnable::run);
    p.opened(SSL_MODULE);
    p.arrived(SSL_MODULE);
    // libssl was prefetched because _ssl links it: the loader will load it, so its own links
    // are fetched as soon as it arrives, before the loader opens it
    p.arrived("lib/x86_64-linux-gnu/libssl.so.3");
    assertEquals(List.of("/" + SSL_MODULE, "/lib/x86_64-linux-gnu/libssl.so.3"), parsed);
    // libcrypto was prefetched for _ssl as well: parsed when it arrives
    p.arrived("lib/x86_64-linux-gnu/libcrypto.so.3");
    assertEquals(List.of("/" + SSL_MODULE, "/lib/x86_64-linux-gnu/libssl.so.3",
        "/lib/x86_64-linux-gnu/libcrypto.so.3"), parsed, "libcrypto too was linked: parsed");
  }
}
