package org.stargzstore.daemon.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.estargz.layer.LayerEntry;
import org.stargzstore.estargz.layer.LayerReader;
import org.stargzstore.estargz.toc.EntryType;

/**
 * Writes a layer's tree into a local directory with every file byte verified: what
 * {@code layer extract} does. The target must be new or empty, so that nothing already there
 * (a planted symlink) can redirect a write; the index guarantees names stay inside it.
 *
 * <p>Order: the tree (directories, empty files, symlinks, fifos, devices as root), then
 * hardlinks, then file data in blob order, then metadata children-first (owners as root, then
 * modes, extended attributes, mtimes), so a directory's mtime and mode are set last.
 */
final class LayerExtractor {
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
  private static final String USER_XATTR = "user.";

  private final LayerReader reader;
  private final Path dir;
  private final PrintWriter err;
  private final boolean root;
  private int skippedDevices;
  private final TreeSet<String> skippedXattrs = new TreeSet<>();
  private final List<String> otherProblems = new ArrayList<>();

  LayerExtractor(LayerReader reader, Path dir, PrintWriter err) throws IOException {
    this.reader = reader;
    this.dir = dir;
    this.err = err;
    this.root = isRoot();
  }

  /** What was extracted. */
  record Result(long entries, long bytes) {}

  Result extract(int parallelism) throws IOException {
    prepareTarget();
    List<LayerEntry> entries = reader.index().entries();
    List<LayerEntry> hardlinks = new ArrayList<>();
    for (LayerEntry e : entries) {
      if (e.name().isEmpty()) {
        continue;
      }
      if (e.type() == EntryType.HARDLINK) {
        hardlinks.add(e);
      } else {
        create(e, path(e.name()));
      }
    }
    for (LayerEntry e : hardlinks) {
      Path target = path(e.linkName());
      if (Files.exists(target, NOFOLLOW)) {
        Files.createLink(path(e.name()), target);
      } else {
        otherProblems.add("hardlink " + e.name() + ": its target " + e.linkName()
            + " was not created");
      }
    }
    long bytes = writeData(parallelism);
    for (int i = entries.size() - 1; i >= 0; i--) {
      LayerEntry e = entries.get(i);
      if (!e.name().isEmpty() && e.type() != EntryType.HARDLINK
          && Files.exists(path(e.name()), NOFOLLOW)) {
        applyMetadata(e, path(e.name()));
      }
    }
    warn();
    return new Result(entries.size() - 1, bytes);
  }

  private void prepareTarget() throws IOException {
    if (Files.exists(dir, NOFOLLOW)) {
      if (!Files.isDirectory(dir, NOFOLLOW)) {
        throw new UserException(dir + " exists and is not a directory");
      }
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
        if (s.iterator().hasNext()) {
          throw new UserException("refusing to extract into " + dir
              + ": it is not empty (extract into a new or empty directory)");
        }
      }
    } else {
      Files.createDirectories(dir);
    }
  }

  private void create(LayerEntry e, Path p) throws IOException {
    switch (e.type()) {
      case DIR -> Files.createDirectory(p);
      case REG -> Files.createFile(p);
      case SYMLINK -> {
        try {
          Files.createSymbolicLink(p, Path.of(e.linkName()));
        } catch (InvalidPathException | IOException ex) {
          otherProblems.add("symlink " + e.name() + " -> " + e.linkName() + ": " + ex);
        }
      }
      case FIFO -> mknod(p, "p", e);
      case CHAR, BLOCK -> {
        if (root) {
          mknod(p, e.type() == EntryType.CHAR ? "c" : "b", e);
        } else {
          skippedDevices++;
        }
      }
      default -> throw new IllegalStateException("unexpected entry type " + e);
    }
  }

  /** Java has no mknod; the coreutils command makes fifos (any user) and devices (root). */
  private void mknod(Path p, String kind, LayerEntry e) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("mknod", p.toString(), kind));
    if (!kind.equals("p")) {
      cmd.add(Integer.toString(e.devMajor()));
      cmd.add(Integer.toString(e.devMinor()));
    }
    try {
      run(cmd, e);
    } catch (IOException ex) {
      otherProblems.add(ex.getMessage());
    }
  }

  /** Runs a coreutils command on one entry's path; a failure is an IOException naming it. */
  private static void run(List<String> cmd, LayerEntry e) throws IOException {
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(proc.getInputStream().readAllBytes()).trim();
    try {
      if (!proc.waitFor(30, TimeUnit.SECONDS) || proc.exitValue() != 0) {
        throw new IOException(e.type().jsonName() + " " + e.name() + ": " + cmd.get(0)
            + " failed: " + output);
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while running " + cmd);
    }
  }

  private long writeData(int parallelism) throws IOException {
    DataWriter w = new DataWriter();
    try {
      reader.readAll(parallelism, w);
    } finally {
      w.close();
    }
    return w.bytes;
  }

  /**
   * Writes verified chunks into the extracted files, in blob order. A chunk too large for
   * memory arrives staged (verified) in a temp file in the target directory and is copied into
   * place from there: nothing unverified is ever written to a target file.
   */
  private final class DataWriter implements LayerReader.StagedChunkSink {
    long bytes;
    private FileChannel open;
    private String openName;

    private FileChannel channel(Chunk c) throws IOException {
      if (!c.fileName().equals(openName)) {
        close();
        open = FileChannel.open(path(c.fileName()), StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
        openName = c.fileName();
      }
      return open;
    }

    @Override
    public void accept(Chunk c, byte[] data) throws IOException {
      ByteBuffer b = ByteBuffer.wrap(data);
      long pos = c.fileOffset();
      FileChannel ch = channel(c);
      while (b.hasRemaining()) {
        pos += ch.write(b, pos);
      }
      bytes += data.length;
    }

    @Override
    public Path stagingDirectory() {
      return dir;
    }

    @Override
    public void acceptStaged(Chunk c, Path file) throws IOException {
      FileChannel ch = channel(c);
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
        long done = 0;
        while (done < c.size()) {
          long n = ch.transferFrom(in.position(done), c.fileOffset() + done, c.size() - done);
          if (n <= 0) {
            throw new IOException("staged chunk " + file + " of " + c.fileName()
                + " ended after " + done + " of " + c.size() + " bytes");
          }
          done += n;
        }
      }
      bytes += c.size();
    }

    void close() throws IOException {
      if (open != null) {
        open.close();
        open = null;
        openName = null;
      }
    }
  }

  private void applyMetadata(LayerEntry e, Path p) {
    boolean symlink = e.type() == EntryType.SYMLINK;
    if (root) {
      attempt(e, "owner", () -> {
        Files.setAttribute(p, "unix:uid", e.uid(), NOFOLLOW);
        Files.setAttribute(p, "unix:gid", e.gid(), NOFOLLOW);
      });
    }
    if (!symlink) {
      attempt(e, "mode", () -> Files.setAttribute(p, "unix:mode", (int) e.mode()));
      for (String x : e.xattrNames()) {
        if (!x.startsWith(USER_XATTR)) {
          skippedXattrs.add(x);
          continue;
        }
        try {
          UserDefinedFileAttributeView v = Files.getFileAttributeView(p,
              UserDefinedFileAttributeView.class);
          v.write(x.substring(USER_XATTR.length()), ByteBuffer.wrap(e.xattr(x)));
        } catch (IOException | RuntimeException ex) {
          skippedXattrs.add(x);
        }
      }
    }
    if (e.type() == EntryType.FIFO || e.type() == EntryType.CHAR
        || e.type() == EntryType.BLOCK) {
      // the JDK opens a file to set its times, which blocks on a fifo: touch does not open
      attempt(e, "mtime", () -> run(List.of("touch", "-h", "-m", "-d",
          "@" + e.modTime().getEpochSecond(), p.toString()), e));
    } else {
      attempt(e, "mtime", () -> Files.getFileAttributeView(p, BasicFileAttributeView.class,
          NOFOLLOW).setTimes(FileTime.from(e.modTime()), null, null));
    }
  }

  private void attempt(LayerEntry e, String what, IoAction action) {
    try {
      action.run();
    } catch (IOException | RuntimeException ex) {
      otherProblems.add("could not set the " + what + " of " + e.name() + ": " + ex);
    }
  }

  private void warn() {
    if (skippedDevices > 0) {
      err.println("warning: skipped " + skippedDevices + " device nodes (creating them needs"
          + " root)");
    }
    if (!skippedXattrs.isEmpty()) {
      err.println("warning: could not set extended attributes " + skippedXattrs
          + " (Java sets only user.* attributes, and only where the file system allows)");
    }
    for (String p : otherProblems.subList(0, Math.min(10, otherProblems.size()))) {
      err.println("warning: " + p);
    }
    if (otherProblems.size() > 10) {
      err.println("warning: ... and " + (otherProblems.size() - 10) + " more problems");
    }
    err.flush();
  }

  private Path path(String name) {
    return dir.resolve(name);
  }

  private static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | RuntimeException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  @FunctionalInterface
  private interface IoAction {
    void run() throws IOException;
  }
}
