package org.stargzstore.registry;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.logging.Logger;
import okhttp3.Response;
import org.stargzstore.registry.errors.RegistryDigestMismatchException;
import org.stargzstore.registry.errors.RegistryErrorKind;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.errors.RegistryNetworkException;
import org.stargzstore.registry.errors.RegistryNotFoundException;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.registry.http.Attempts;
import org.stargzstore.registry.http.Deadline;
import org.stargzstore.registry.http.NetworkErrors;
import org.stargzstore.registry.http.Repository;
import org.stargzstore.registry.http.RetryPolicy;
import org.stargzstore.registry.ops.BlobHead;
import org.stargzstore.registry.ops.RangeBodies;
import org.stargzstore.registry.ops.RangeBuffer;
import org.stargzstore.types.Digest;
import org.stargzstore.types.io.ByteRange;
import org.stargzstore.types.io.RangeSource;

/**
 * Random and streaming access to one blob in a registry: what a lazily mounted layer reads
 * through. Thread-safe; connections are pooled. How many range requests a call costs depends on
 * the call and on the reads of the same blob in flight:
 *
 * <ul>
 *   <li>{@link #read} / {@link #readFully}: one range; a body cut off part-way is resumed from
 *       where it stopped; only bytes that a {@code Content-Range} places are ever returned.
 *       Reads that arrive while the blob already has requests in flight are merged into fewer,
 *       larger requests ({@link ReadCoalescer}).
 *   <li>{@link #readRanges}: several ranges in one {@code multipart/byteranges} request, falling
 *       back to one request per range on servers that refuse or ignore multi-range requests.
 *   <li>{@link #openStream}: a long range streamed without holding it in memory, resuming on
 *       failures.
 *   <li>{@link #copyTo}: the whole blob, verified against its digest.
 * </ul>
 *
 * <p>Every read takes a deadline for all of it (asking the size if unknown, requests, retries,
 * resumes and the body), by default the client's {@code callTimeout}. Its retries (before the
 * body) and resumes (after a cut-off body) draw on one {@link Attempts}: at most
 * {@code maxAttempts} tries per source, none that could not end in time. A registry that stalls
 * (sends nothing within the idle read timeout) is tried again on a new connection within that
 * deadline, and a read that ends because of a stall is logged at WARNING naming the registry,
 * the blob and how long nothing came.
 *
 * <p>A server that ignores {@code Range} and answers 200 is streamed: bytes before the range are
 * discarded as they arrive, never buffered. A redirect to blob storage (a signed URL) is
 * remembered and reused until it expires or is refused, then resolved again through the
 * registry. If the blob's source fails (not found, network), the next source of the image
 * (mirrors, then the registry) is tried ({@link Failover}, shared by every read of the blob).
 */
public final class RegistryBlob implements RangeSource {
  private static final Logger LOG = Logger.getLogger(RegistryBlob.class.getName());
  /**
   * At most this many ranges go into one multi-range request: a {@code Range} header of at
   * most about 3 KB with ten-digit offsets, within what servers and proxies in front of them
   * take (nginx: 8 KB a header line by default).
   */
  static final int MAX_RANGES_PER_REQUEST = 128;
  /** How long one probe of a mirror's cache may take. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  private final BlobAccess access;
  private final Digest digest;
  private final String image;
  private final Failover sources;
  private final ReadCoalescer coalescer;
  private volatile long size;
  /** Held by the one read that asks a mirror for the blob first (see {@link #openAt}). */
  private final Object firstAnswer = new Object();
  /** A mirror has answered a range of this blob: no need to ask one read at a time. */
  private volatile boolean rangesServed;

  RegistryBlob(BlobAccess access, Digest digest, long size, String image,
      List<Repository> locations) {
    this.access = access;
    this.digest = Objects.requireNonNull(digest);
    this.size = size;
    this.image = image;
    this.sources = new Failover("blob " + digest + " of " + image, locations);
    this.coalescer = new ReadCoalescer(new ReadCoalescer.Fetcher() {
      @Override
      public void fetch(long offset, byte[] dst, int dstOff, int length, Duration timeout)
          throws IOException {
        readDirect(offset, dst, dstOff, length, timeout);
      }

      @Override
      public List<byte[]> fetchRanges(List<ByteRange> ranges, Duration timeout)
          throws IOException {
        return readRangesDirect(ranges, timeout);
      }

      @Override
      public ReadCoalescer.RangeStream openStream(long offset, long length, Duration timeout) {
        return new ResumingStream(offset, length, access.attempts(timeout));
      }

      @Override
      public long size() throws IOException {
        return RegistryBlob.this.size();
      }
    }, access.coalescing(), access.batchExecutor());
  }

  public Digest digest() {
    return digest;
  }

  /** The image (as requested) this blob belongs to. */
  public String image() {
    return image;
  }

  /** "blob sha256:… of IMAGE", for messages. */
  public String describe() {
    return "blob " + digest + " of " + image;
  }

  /** The blob's size: from its descriptor, else asked once with HEAD. */
  public long size() throws RegistryException {
    return size(access.defaultTimeout());
  }

  /** As {@link #size()}; a HEAD must end within {@code timeout} (null: none). */
  private long size(Duration timeout) throws RegistryException {
    long s = size;
    if (s >= 0) {
      return s;
    }
    long asked = System.nanoTime();
    Attempts attempts = access.attempts(timeout);
    try {
      size = sources.run(loc -> {
        OptionalLong n = access.caller().call(loc, new BlobHead(image, loc.path(), digest),
            attempts);
        if (n.isEmpty()) {
          throw new RegistryNotFoundException("checking " + describe() + ": not found in "
              + loc);
        }
        return n.getAsLong();
      }, (e, loc) -> stalled(e, "the size", loc, asked), attempts);
    } catch (RegistryException e) {
      throw givingUp(stalled(e, "the size", sources.current(), asked));
    }
    return size;
  }

  /** Reads exactly {@code length} bytes at {@code offset}. */
  public byte[] read(long offset, int length) throws IOException {
    return read(offset, length, access.defaultTimeout());
  }

  /** As {@link #read(long, int)} with a deadline for the whole read (null: none). */
  public byte[] read(long offset, int length, Duration timeout) throws IOException {
    byte[] out = new byte[length];
    readFully(offset, out, 0, length, timeout);
    return out;
  }

  /**
   * {@link RangeSource}'s read, within the client's default deadline ({@code callTimeout}, none
   * if unset): what the format readers call on a registry blob.
   */
  @Override
  public void readFully(long offset, byte[] dst, int dstOff, int length) throws IOException {
    readFully(offset, dst, dstOff, length, access.defaultTimeout());
  }

  /**
   * Reads exactly {@code length} bytes at {@code offset} into {@code dst}. Concurrent reads of
   * this blob may be merged into one request (see {@link ReadCoalescer}).
   *
   * @throws EOFException if the blob ends before {@code offset + length}
   */
  public void readFully(long offset, byte[] dst, int dstOff, int length, Duration timeout)
      throws IOException {
    checkBounds(offset, length, timeout);
    if (length == 0) {
      return;
    }
    if (fromSpool(offset, dst, dstOff, length, Deadline.in(timeout))) {
      return;
    }
    coalescer.read(offset, dst, dstOff, length, timeout);
  }

  /**
   * Serves a read from the blob's spool if it has a live one (its source ignored {@code Range}),
   * waiting within {@code deadline} for the bytes to arrive; false if it has none.
   */
  private boolean fromSpool(long offset, byte[] dst, int dstOff, int length, Deadline deadline)
      throws IOException {
    BlobSpool spool = access.spools().live(digest);
    return spool != null && spool.read(offset, dst, dstOff, length, deadline,
        action("bytes " + offset + "-" + (offset + length - 1)));
  }

  /**
   * Whether {@code r}, the answer to a request for {@code [from, to)}, is the whole blob sent
   * instead of that range, to be spooled: a 200 when spooling is on, unless the whole blob is
   * what was asked for (a config, a full copy).
   */
  private boolean spoolable(Response r, long from, long to) {
    return r.code() == 200 && access.spools().enabled() && !(from == 0 && to == size);
  }

  /**
   * Makes {@code whole}, a 200 from {@code loc} with the whole blob, the blob's spool (or closes
   * it if the blob has one already, returning that); null if spooling is off.
   */
  private BlobSpool spool(Response whole, Repository loc) throws IOException {
    String host = loc.host().hostPort();
    access.noteRangeIgnored(host);
    BlobSpool.Reopener reopen = (from, attempts) -> sources.run(at -> access.openRange(this, at,
        "bytes=" + from + "-", "bytes " + from + "- (resuming the spool)", attempts),
        (e, at) -> e, attempts);
    return access.spools().adopt(this, size(), whole, host, reopen, access.attempts(null));
  }

  /** One range, one request (resumed if cut off): no coalescing. */
  private void readDirect(long offset, byte[] dst, int dstOff, int length, Duration timeout)
      throws IOException {
    if (length == 0) {
      return;
    }
    Attempts attempts = access.attempts(timeout);
    if (fromSpool(offset, dst, dstOff, length, attempts.deadline())) {
      return; // a read queued before the spool began
    }
    String what = "bytes " + offset + "-" + (offset + length - 1);
    int done = 0;
    long lastData = System.nanoTime();
    while (done < length) {
      long from = offset + done;
      String header = "bytes=" + from + "-" + (offset + length - 1);
      OpenedRange opened = openRange(header, from, offset + length, what, attempts, lastData);
      Response r = opened.response();
      Repository loc = opened.source();
      access.stats().onRangeRequest(false);
      if (spoolable(r, from, offset + length)) {
        BlobSpool spool = spool(r, loc);
        if (spool.read(from, dst, dstOff + done, length - done, attempts.deadline(),
            action(what))) {
          return;
        }
        continue; // expired before this read held it: ask again
      }
      RangeBodies.Progress p = new RangeBodies.Progress();
      try (r) {
        boolean ignored = RangeBodies.readInto(r, from, dst, dstOff + done, length - done,
            size, p, access.stats(), action(what));
        if (ignored) {
          access.noteRangeIgnored(loc.host().hostPort());
        }
        done += (int) p.bytes();
      } catch (IOException e) {
        done += (int) p.bytes();
        if (p.bytes() > 0) {
          lastData = System.nanoTime();
        }
        resumeOrFailOver(e, what, loc, lastData, attempts);
      }
    }
  }

  /** A range request's open response and the source that answered it. */
  private record OpenedRange(Response response, Repository source) {}

  /**
   * Opens a range request for {@code [from, to)} at {@code loc}. If {@code loc} is a mirror with
   * another source after it and the policy is {@link RangeIgnoredByMirror#WAIT_FOR_CACHE}, a
   * whole-blob answer (the mirror does not hold the blob yet) is closed at once, so the mirror's
   * own copy is the only one it fetches, and the read waits for the mirror's cache
   * ({@link CacheFill}, shared by the blob's readers); once it holds the blob the range is asked
   * again, else (past the wait) from the next source. A request for the whole blob (the layer's
   * {@code blob} file, a copy, a small blob's background stream) is no exception: a cold cache's
   * 200 is its own copy from the origin, so reading it would cost the origin the blob twice.
   */
  private OpenedRange openAt(Repository loc, String header, long from, long to, String what,
      Attempts attempts) throws RegistryException {
    Repository next = sources.after(loc);
    CacheFills fills = access.cacheFills();
    if (next == null || !fills.waitForCache()) {
      return new OpenedRange(access.openRange(this, loc, header, what, attempts), loc);
    }
    String key = digest + "@" + loc;
    CacheFill fill = fills.current(key);
    if (fill == null) {
      FirstAnswer first;
      if (rangesServed) {
        first = askOrStartFill(loc, key, header, what, attempts);
      } else {
        // until a mirror served a range of the blob, its reads ask one at a time: each whole
        // answer of a cold cache costs the origin a copy, so the others wait for the first
        synchronized (firstAnswer) {
          fill = fills.current(key);
          first = fill != null ? new FirstAnswer(null, fill)
              : askOrStartFill(loc, key, header, what, attempts);
        }
      }
      if (first.opened() != null) {
        return first.opened();
      }
      fill = first.fill();
    }
    try {
      if (fill.await(attempts.deadline())) {
        Response r = access.openRange(this, loc, header, what, attempts);
        if (r.code() != 200) {
          return new OpenedRange(r, loc);
        }
        closeAtOnce(r); // it dropped the blob again: this read goes on to the next source
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryNetworkException(action(what) + ": interrupted while waiting for mirror "
          + loc + " to cache the blob", new InterruptedIOException());
    }
    LOG.fine(() -> action(what) + ": mirror " + loc + " does not hold the blob yet; reading"
        + " from " + next);
    return new OpenedRange(access.openRange(this, next, header, what, attempts), next);
  }

  /** What asking a mirror first gave: a range answer, or the cache fill it started. */
  private record FirstAnswer(OpenedRange opened, CacheFill fill) {}

  /**
   * Asks {@code loc} for the range: its answer if it is one, else (a whole blob: the mirror is
   * filling its cache) closes it and starts the blob's {@link CacheFill}.
   */
  private FirstAnswer askOrStartFill(Repository loc, String key, String header, String what,
      Attempts attempts) throws RegistryException {
    Response r = access.openRange(this, loc, header, what, attempts);
    if (r.code() != 200) {
      if (r.code() == 206) {
        rangesServed = true;
      }
      return new FirstAnswer(new OpenedRange(r, loc), null);
    }
    closeAtOnce(r);
    access.noteMirrorFilling(loc.host().hostPort());
    return new FirstAnswer(null, access.cacheFills().start(key, describe() + " at mirror " + loc,
        Math.max(0, size), probe(loc)));
  }

  /** Closes a whole-blob answer unread, counting what had arrived as thrown away. */
  private void closeAtOnce(Response r) {
    long arrived = 0;
    try {
      arrived = r.body().source().getBuffer().size();
    } catch (RuntimeException e) {
      // nothing read: nothing to count
    }
    r.close();
    access.stats().onDiscarded(arrived);
  }

  /** A small range from {@code mirror}: 206 once it holds the blob; a 200 is closed unread. */
  private CacheFill.Probe probe(Repository mirror) {
    return () -> {
      Response r = access.openRange(this, mirror, "bytes=0-0", "a probe range (is it cached?)",
          access.attempts(PROBE_TIMEOUT));
      access.stats().onRangeRequest(false);
      if (r.code() == 206) {
        r.close();
        return true;
      }
      closeAtOnce(r);
      return false;
    };
  }

  /**
   * Opens a range request at the source in use, failing over to the next while one fails; a
   * failure that ends the read is thrown as {@link #stalled} reports it.
   */
  private OpenedRange openRange(String header, long from, long to, String what,
      Attempts attempts, long lastData) throws RegistryException {
    try {
      return sources.run(loc -> openAt(loc, header, from, to, what, attempts),
          (e, loc) -> stalled(e, what, loc, lastData), attempts);
    } catch (RegistryException e) {
      throw givingUp(stalled(e, what, sources.current(), lastData));
    }
  }

  /**
   * After a range body from {@code loc} failed with {@code e}: returns, once the backoff has
   * passed, if the read may resume there (a transient failure or a wrong {@code Content-Range},
   * tries and time left, and not a stall with another source left); else returns if it moved on
   * to the next source (the read resumes there); throws otherwise.
   */
  private void resumeOrFailOver(IOException e, String what, Repository loc, long lastData,
      Attempts attempts) throws RegistryException {
    boolean resumable = (RetryPolicy.isTransient(e) || e instanceof RegistryProtocolException)
        && !attempts.movesOn(e);
    int tried = attempts.attempt();
    boolean again;
    try {
      again = resumable && attempts.next(e.toString());
    } catch (InterruptedIOException interrupted) {
      throw new RegistryNetworkException("interrupted while waiting to retry", interrupted);
    }
    if (again) {
      noteResume(e, what, loc, lastData, tried);
      return;
    }
    RegistryException failure = stalled(e instanceof RegistryException re ? re
        : new RegistryNetworkException(action(what) + ": " + NetworkErrors.describe(e), e),
        what, loc, lastData);
    if (!sources.moveOn(loc, failure, attempts)) {
      throw givingUp(failure);
    }
  }

  /**
   * What a read from {@code loc} that failed with {@code e} reports: if the registry stalled,
   * an error that says so and how long no data came (since {@code lastData}); other errors as
   * they are.
   */
  private RegistryException stalled(RegistryException e, String what, Repository loc,
      long lastData) {
    InterruptedIOException cause = NetworkErrors.stallCause(e);
    if (cause == null) {
      return e;
    }
    String silent = NetworkErrors.seconds(System.nanoTime() - lastData);
    return new RegistryNetworkException(action(what) + ": registry " + loc.host().hostPort()
        + " stalled, no data for " + silent + " (" + NetworkErrors.describe(cause) + "); gave up",
        e);
  }

  /** A read ends with {@code e}: a stall is logged at WARNING (the caller may log the rest). */
  private static RegistryException givingUp(RegistryException e) {
    if (NetworkErrors.isStall(e)) {
      LOG.warning(e::getMessage);
    }
    return e;
  }

  /** Before resuming a read cut off by {@code e}: a stall is worth a WARNING, the rest FINE. */
  private void noteResume(IOException e, String what, Repository loc, long lastData,
      int failures) {
    if (NetworkErrors.isStall(e)) {
      String silent = NetworkErrors.seconds(System.nanoTime() - lastData);
      LOG.warning(() -> action(what) + ": registry " + loc.host().hostPort()
          + " stalled, no data for " + silent + "; resuming on a new connection (try "
          + (failures + 1) + " of " + access.caller().policy().maxAttempts() + ")");
    } else {
      LOG.fine(() -> action(what) + ": resuming after " + e);
    }
  }

  /**
   * Reads several ranges, with as few requests as the server allows. Overlapping and adjacent
   * ranges are merged; results come back in the order asked.
   */
  public List<byte[]> readRanges(List<ByteRange> ranges) throws IOException {
    return readRanges(ranges, access.defaultTimeout());
  }

  /**
   * True while the registry now serving this blob has not refused a multi-range request: then
   * {@link #readRanges} costs one request per {@value #MAX_RANGES_PER_REQUEST} ranges, else one
   * request per range (a caller with many small ranges should merge them more coarsely).
   */
  public boolean severalRangesPerRequest() {
    return access.multiRangeAllowed(sources.current().host().hostPort());
  }

  public List<byte[]> readRanges(List<ByteRange> ranges, Duration timeout) throws IOException {
    for (ByteRange br : ranges) {
      checkBounds(br.offset(), br.length(), timeout);
    }
    return readRangesDirect(ranges, timeout);
  }

  private List<byte[]> readRangesDirect(List<ByteRange> ranges, Duration timeout)
      throws IOException {
    List<RangeBuffer> merged = merge(ranges);
    if (merged.size() > 1 && access.spools().live(digest) != null) {
      Deadline deadline = Deadline.in(timeout);
      for (RangeBuffer b : merged) {
        readDirect(b.offset(), b.data(), 0, b.data().length, deadline.remaining("reading ranges"));
        b.markFilled(b.offset(), b.end());
      }
    } else if (merged.size() == 1) {
      RangeBuffer b = merged.get(0);
      readDirect(b.offset(), b.data(), 0, b.data().length, timeout);
      b.markFilled(b.offset(), b.end());
    } else if (!merged.isEmpty()) {
      Deadline deadline = Deadline.in(timeout);
      for (int i = 0; i < merged.size(); i += MAX_RANGES_PER_REQUEST) {
        List<RangeBuffer> batch = merged.subList(i, Math.min(merged.size(),
            i + MAX_RANGES_PER_REQUEST));
        if (access.multiRangeAllowed(sources.current().host().hostPort())) {
          tryMultiRange(batch, deadline.remaining("reading ranges"));
        }
        for (RangeBuffer b : batch) {
          for (long[] gap : b.missing()) {
            int len = (int) (gap[1] - gap[0]);
            readDirect(gap[0], b.data(), (int) (gap[0] - b.offset()), len,
                deadline.remaining("reading ranges"));
            b.markFilled(gap[0], gap[1]);
          }
        }
      }
    }
    List<byte[]> out = new ArrayList<>(ranges.size());
    for (ByteRange br : ranges) {
      out.add(slice(merged, br));
    }
    return out;
  }

  /** One multi-range request; whatever it does not fill is read singly by the caller. */
  private void tryMultiRange(List<RangeBuffer> batch, Duration timeout)
      throws IOException {
    StringBuilder h = new StringBuilder("bytes=");
    for (RangeBuffer b : batch) {
      if (h.length() > 6) {
        h.append(',');
      }
      h.append(b.offset()).append('-').append(b.end() - 1);
    }
    String what = batch.size() + " ranges";
    Repository loc = sources.current();
    Attempts attempts = access.attempts(timeout);
    attempts.otherSourceLeft(sources.hasNext(loc));
    Response r;
    try {
      OpenedRange opened = openAt(loc, h.toString(), batch.get(0).offset(),
          batch.get(batch.size() - 1).end(), what, attempts);
      r = opened.response();
      loc = opened.source();
    } catch (RegistryException e) {
      if (e.kind() == RegistryErrorKind.PROTOCOL) {
        // 416, 400, 501...: this server does not take several ranges
        access.noteMultiRangeRefused(loc.host().hostPort(), e.getMessage());
        return;
      }
      if (sources.moveOn(loc, e, attempts)) {
        return; // the single-range reads that follow go to the next source
      }
      throw e;
    }
    access.stats().onRangeRequest(true);
    if (spoolable(r, batch.get(0).offset(), batch.get(batch.size() - 1).end())) {
      BlobSpool spool = spool(r, loc);
      Deadline deadline = Deadline.in(timeout);
      for (RangeBuffer b : batch) {
        if (spool.read(b.offset(), b.data(), 0, b.data().length, deadline, action(what))) {
          b.markFilled(b.offset(), b.end());
        }
      }
      return; // whatever is not filled is read singly by the caller
    }
    try (r) {
      boolean ignored = RangeBodies.fill(r, batch, size, access.stats(), action(what));
      if (ignored) {
        access.noteMultiRangeRefused(loc.host().hostPort(),
            "answered a multi-range request with the whole blob");
      }
    } catch (IOException e) {
      LOG.fine(() -> action(what) + ": multi-range read failed (" + e
          + "); reading the rest range by range");
    }
  }

  /**
   * Streams {@code [offset, offset + length)} without holding it in memory, within the client's
   * default deadline ({@code callTimeout}, none if unset). The stream resumes with a new range
   * request if the connection fails, and throws rather than return a byte from the wrong place.
   * Close it when done.
   */
  public InputStream openStream(long offset, long length) throws IOException {
    return openStream(offset, length, access.defaultTimeout());
  }

  /**
   * As {@link #openStream(long, long)}, with a deadline ({@code timeout} from now, null: none)
   * for the whole stream: requests, retries, resumes and reading the body. A read of the stream
   * still waiting when it passes fails, and the connection is closed.
   */
  public InputStream openStream(long offset, long length, Duration timeout) throws IOException {
    Attempts attempts = access.attempts(timeout);
    checkBounds(offset, length, attempts.deadline().remaining("reading " + describe()));
    return new ResumingStream(offset, length, attempts);
  }

  /**
   * Copies the whole blob to {@code out}, verifying its digest. On a mismatch the bytes already
   * written must be discarded by the caller (write to a temporary file, then move).
   */
  public void copyTo(OutputStream out) throws IOException {
    MessageDigest md = Digest.newSha256();
    long total = size();
    try (InputStream in = openStream(0, total)) {
      byte[] buf = new byte[64 << 10];
      int n;
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
        out.write(buf, 0, n);
      }
    }
    Digest actual = Digest.fromBytes(md.digest());
    if (!actual.equals(digest)) {
      throw new RegistryDigestMismatchException("pulling " + describe(), digest.toString(),
          actual.toString());
    }
  }

  /** The whole blob in memory, verified; refuses blobs larger than {@code maxBytes}. */
  public byte[] readAllVerified(long maxBytes) throws IOException {
    long total = size();
    if (total > maxBytes) {
      throw new RegistryProtocolException("pulling " + describe() + ": " + total
          + " bytes is more than the limit of " + maxBytes);
    }
    java.io.ByteArrayOutputStream bo = new java.io.ByteArrayOutputStream((int) total);
    copyTo(bo);
    return bo.toByteArray();
  }

  private final class ResumingStream extends InputStream implements ReadCoalescer.RangeStream {
    private long pos;
    private final long end;
    private Response response;
    private okio.BufferedSource source;
    private long partLeft;
    private boolean closed;
    private final Attempts attempts;
    /** The source the open response came from. */
    private Repository from;
    /** The blob's spool this stream reads (and holds), if its source ignored Range. */
    private BlobSpool spool;
    /** When bytes last arrived (or the stream opened): how long a stall has lasted. */
    private long lastData = System.nanoTime();

    ResumingStream(long offset, long length, Attempts attempts) {
      this.pos = offset;
      this.end = offset + length;
      this.attempts = attempts;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("stream closed: " + describe());
      }
      if (len == 0) {
        return 0;
      }
      while (true) {
        if (pos >= end) {
          return -1;
        }
        String what = "bytes " + pos + "-" + (end - 1);
        if (source == null && holdSpool()) {
          int n = (int) Math.min(len, Math.min(end - pos,
              spool.awaitFrom(pos, attempts.deadline(), action(what))));
          spool.copyOut(pos, b, off, n);
          pos += n;
          return n;
        }
        try {
          if (source == null) {
            open(what);
            continue; // it may have become a spool
          }
          int n = source.read(b, off, (int) Math.min(len, Math.min(partLeft, end - pos)));
          if (n < 0) {
            throw new EOFException(action(what) + ": body ended early");
          }
          pos += n;
          partLeft -= n;
          lastData = System.nanoTime();
          if (partLeft == 0 || pos >= end) {
            release();
          }
          return n;
        } catch (IOException e) {
          recover(e, what); // throws unless the request may be resumed
        }
      }
    }

    /**
     * After a failed open or read: drops the response, then rethrows registry errors (an open
     * has already tried every source); a body failure waits to resume at the same source if it
     * may (transient, tries left, not a stall with another source left), else moves on to the
     * next source, else is thrown.
     */
    private void recover(IOException e, String what) throws IOException {
      release();
      Repository loc = from != null ? from : sources.current();
      if (e instanceof RegistryException re) {
        throw givingUp(stalled(re, what, loc, lastData));
      }
      int tried = attempts.attempt();
      if (attempts.retry(e)) {
        noteResume(e, what, loc, lastData, tried);
        return;
      }
      RegistryException failure = stalled(new RegistryNetworkException(action(what) + ": "
          + NetworkErrors.describe(e), e), what, loc, lastData);
      if (!sources.moveOn(loc, failure, attempts)) {
        throw givingUp(failure);
      }
    }

    @Override
    public int awaitBuffered(int max) throws IOException {
      if (closed) {
        throw new IOException("stream closed: " + describe());
      }
      while (true) {
        if (pos >= end) {
          throw new EOFException(describe() + ": read past the requested range");
        }
        String what = "bytes " + pos + "-" + (end - 1);
        if (source == null && holdSpool()) {
          return (int) Math.min(max, Math.min(end - pos,
              spool.awaitFrom(pos, attempts.deadline(), action(what))));
        }
        try {
          if (source == null) {
            open(what);
            continue; // it may have become a spool
          }
          long want = Math.min(max, Math.min(partLeft, end - pos));
          source.request(want);
          long buffered = Math.min(source.getBuffer().size(), want);
          if (buffered == 0) {
            throw new EOFException(action(what) + ": body ended early");
          }
          lastData = System.nanoTime();
          return (int) buffered;
        } catch (IOException e) {
          recover(e, what); // throws unless the request may be resumed
        }
      }
    }

    @Override
    public void take(byte[] dst, int off, int len) throws IOException {
      if (spool != null) {
        spool.copyOut(pos, dst, off, len);
        advance(len);
        return;
      }
      okio.Buffer buffered = source.getBuffer();
      int done = 0;
      while (done < len) {
        int n = buffered.read(dst, off + done, len - done); // one segment at a time
        if (n < 0) {
          throw new EOFException(describe() + ": took more than was buffered");
        }
        done += n;
      }
      advance(len);
    }

    @Override
    public void drop(int len) throws IOException {
      if (spool != null) {
        advance(len);
        return;
      }
      source.skip(len);
      advance(len);
    }

    private void advance(int n) {
      pos += n;
      partLeft -= n;
      if (partLeft == 0 || pos >= end) {
        release();
      }
    }

    private void open(String what) throws IOException {
      String header = "bytes=" + pos + "-" + (end - 1);
      response = sources.run(loc -> {
        from = loc;
        OpenedRange opened = openAt(loc, header, pos, end, what, attempts);
        from = opened.source();
        return opened.response();
      }, (e, loc) -> stalled(e, what, loc, lastData), attempts);
      access.stats().onRangeRequest(false);
      if (spoolable(response, pos, end)) {
        Response whole = response;
        response = null;
        BlobSpool s = spool(whole, from);
        if (s.acquire()) {
          spool = s;
        }
        return; // read from the spool (or, if it expired at once, ask again)
      }
      RangeBodies.Positioned p = RangeBodies.position(response, pos, size, access.stats(),
          action(what));
      if (p.ignored()) {
        access.noteRangeIgnored(from.host().hostPort());
      }
      partLeft = Math.min(p.available(), end - pos);
      source = response.body().source();
    }

    private void release() {
      if (response != null) {
        response.close();
      }
      response = null;
      source = null;
    }

    /** True if this stream reads the blob's spool, holding it now if the blob has one. */
    private boolean holdSpool() throws IOException {
      if (spool == null) {
        BlobSpool s = access.spools().live(digest);
        if (s != null && s.acquire()) {
          spool = s;
        }
      }
      return spool != null;
    }

    @Override
    public void close() {
      closed = true;
      release();
      if (spool != null) {
        spool.release();
        spool = null;
      }
    }
  }

  /** Checks a read against the blob's size, asked (if not known) within {@code timeout}. */
  private void checkBounds(long offset, long length, Duration timeout) throws IOException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative offset or length: " + offset + ", " + length);
    }
    long s = size(timeout);
    if (offset + length > s) {
      throw new EOFException(describe() + ": wanted " + length + " bytes at offset " + offset
          + " but the blob has " + s + " bytes");
    }
  }

  private String action(String what) {
    return "reading " + what + " of " + describe();
  }

  private static List<RangeBuffer> merge(List<ByteRange> ranges) {
    List<ByteRange> sorted = new ArrayList<>(ranges);
    sorted.removeIf(r -> r.length() == 0);
    sorted.sort(null);
    List<RangeBuffer> out = new ArrayList<>();
    long start = -1;
    long end = -1;
    for (ByteRange r : sorted) {
      if (start >= 0 && r.offset() <= end) {
        end = Math.max(end, r.end());
        continue;
      }
      if (start >= 0) {
        out.add(new RangeBuffer(start, Math.toIntExact(end - start)));
      }
      start = r.offset();
      end = r.end();
    }
    if (start >= 0) {
      out.add(new RangeBuffer(start, Math.toIntExact(end - start)));
    }
    return out;
  }

  private static byte[] slice(List<RangeBuffer> merged, ByteRange br) {
    if (br.length() == 0) {
      return new byte[0];
    }
    for (RangeBuffer b : merged) {
      if (b.offset() <= br.offset() && br.end() <= b.end()) {
        int from = (int) (br.offset() - b.offset());
        return java.util.Arrays.copyOfRange(b.data(), from, from + br.length());
      }
    }
    throw new IllegalStateException("range " + br + " not covered");
  }
}
