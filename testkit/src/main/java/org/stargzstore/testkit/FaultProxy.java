package org.stargzstore.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP/1.1 proxy in front of a real (plain HTTP) registry that injects the failures a node
 * sees in the wild: connection resets, 5xx, 429 with {@code Retry-After}, bodies cut short or
 * trickling in, a server that stalls (takes the request and sends nothing, or stops sending
 * part-way through a body, keeping the connection open), a server that ignores {@code Range}, a
 * wrong {@code Content-Range}; and, in redirect mode, blob downloads sent to a "storage" URL that
 * expires like a signed URL.
 *
 * <p>Faults are rules: a predicate on the request, what to do, and how many times. Every request
 * is recorded with the fault applied, so tests can assert on retries.
 */
public final class FaultProxy implements AutoCloseable {
  private static final Pattern BLOB_GET = Pattern.compile("^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$");
  private static final Pattern STORAGE = Pattern.compile("^/_storage/(.+)/blobs/(sha256:[0-9a-f]{64})$");

  private final URI upstream;
  private final ServerSocket server;
  private final ExecutorService pool;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final AtomicInteger generation = new AtomicInteger(1);
  private final AtomicInteger connections = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong bodyBytesSent =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean redirectBlobs;
  private volatile String storageAuthorization;
  private volatile boolean closed;
  private volatile boolean silentToTls;
  private volatile boolean stallNewConnections;
  private final AtomicInteger stalledConnections = new AtomicInteger();

  /** A request as the proxy received it. */
  public record Request(String method, String target, Map<String, String> headers) {
    /** The path without the query string. */
    public String path() {
      int q = target.indexOf('?');
      return q < 0 ? target : target.substring(0, q);
    }

    /** A header value (case-insensitive name), or null. */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** {@code GET /v2/NAME/blobs/DIGEST} (or a storage URL of redirect mode). */
    public boolean isBlobGet() {
      return method.equals("GET")
          && (BLOB_GET.matcher(path()).matches() || STORAGE.matcher(path()).matches());
    }
  }

  /**
   * What the proxy saw and did: method, target, Range header, fault name, status sent, and the
   * client connection it came on (numbered from 1 in accept order: equal numbers mean a
   * keep-alive connection was reused).
   */
  public record Seen(String method, String target, String range, String authorization,
      String fault, int status, int connection) {}

  /** A failure to inject. */
  public sealed interface Fault {
    /** Closes the connection with a TCP reset before answering. */
    record Reset() implements Fault {}

    /** Answers with this status (and headers) instead of forwarding. */
    record Status(int code, Map<String, String> headers, String body) implements Fault {}

    /** Forwards, then sends only the first {@code bytes} of the body and resets. */
    record Truncate(int bytes) implements Fault {}

    /** Forwards, then writes the body {@code chunk} bytes at a time with {@code pause} between. */
    record Slow(int chunk, Duration pause) implements Fault {}

    /** Forwards without the {@code Range} header: the registry answers 200 with the whole blob. */
    record IgnoreRange() implements Fault {}

    /** Forwards, then rewrites {@code Content-Range} to claim a different start offset. */
    record ShiftContentRange(long by) implements Fault {}

    /** Waits before forwarding. */
    record Delay(Duration delay) implements Fault {}

    /**
     * Takes the request and answers nothing, keeping the connection open until the client gives
     * up (or the proxy closes): a registry that hangs.
     */
    record Stall() implements Fault {}

    /**
     * Forwards, sends the status line, the headers and the first {@code bytes} of the body, then
     * sends nothing more, keeping the connection open: a body that stops part-way.
     */
    record StallBody(int bytes) implements Fault {}
  }

  public static Fault reset() {
    return new Fault.Reset();
  }

  public static Fault status(int code) {
    return new Fault.Status(code, Map.of(), "");
  }

  public static Fault status(int code, Map<String, String> headers) {
    return new Fault.Status(code, headers, "");
  }

  public static Fault truncate(int bytes) {
    return new Fault.Truncate(bytes);
  }

  public static Fault slow(int chunk, Duration pause) {
    return new Fault.Slow(chunk, pause);
  }

  public static Fault ignoreRange() {
    return new Fault.IgnoreRange();
  }

  public static Fault shiftContentRange(long by) {
    return new Fault.ShiftContentRange(by);
  }

  public static Fault delay(Duration d) {
    return new Fault.Delay(d);
  }

  public static Fault stall() {
    return new Fault.Stall();
  }

  public static Fault stallBody(int bytes) {
    return new Fault.StallBody(bytes);
  }

  private static final class Rule {
    final Predicate<Request> when;
    final Fault fault;
    final AtomicInteger remaining;

    Rule(Predicate<Request> when, Fault fault, int times) {
      this.when = when;
      this.fault = fault;
      this.remaining = new AtomicInteger(times);
    }

    boolean take(Request r) {
      if (!when.test(r)) {
        return false;
      }
      while (true) {
        int n = remaining.get();
        if (n == 0) {
          return false;
        }
        if (n < 0 || remaining.compareAndSet(n, n - 1)) {
          return true;
        }
      }
    }
  }

  private FaultProxy(URI upstream, ServerSocket server) {
    this.upstream = upstream;
    this.server = server;
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fault-proxy");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts a proxy on a free loopback port in front of {@code upstream} (http only). */
  public static FaultProxy start(URI upstream) throws IOException {
    if (!"http".equals(upstream.getScheme())) {
      throw new IllegalArgumentException("FaultProxy forwards to plain HTTP only: " + upstream);
    }
    ServerSocket ss = new ServerSocket();
    ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    FaultProxy p = new FaultProxy(upstream, ss);
    p.pool.execute(p::acceptLoop);
    return p;
  }

  /** {@code 127.0.0.1:PORT}. */
  public String hostPort() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  public URI baseUri() {
    return URI.create("http://" + hostPort());
  }

  /** Applies {@code fault} to the next {@code times} requests matching {@code when} (-1: all). */
  public FaultProxy inject(Predicate<Request> when, Fault fault, int times) {
    rules.add(new Rule(when, fault, times));
    return this;
  }

  /** Removes every rule (requests are forwarded untouched again). */
  public void clearFaults() {
    rules.clear();
  }

  /** Everything seen so far, in order. */
  public List<Seen> seen() {
    return Collections.unmodifiableList(new ArrayList<>(seen));
  }

  public void clearSeen() {
    seen.clear();
  }

  /**
   * Response body bytes written to clients so far: what the upstream cost its clients, as a link
   * would count it (a body the client closed part-way counts what was written until then, in
   * {@link #slow} chunks, or whole for an ordinary write that succeeded).
   */
  public long bodyBytesSent() {
    return bodyBytesSent.get();
  }

  /**
   * Redirect mode: answers every blob GET with 307 to a storage URL on another host name
   * ({@code localhost} instead of {@code 127.0.0.1}) carrying a generation; storage URLs of an
   * older generation answer 403 like an expired signed URL.
   */
  public void redirectBlobs(boolean on) {
    redirectBlobs = on;
  }

  /**
   * The {@code Authorization} the storage side presents to the registry behind it (storage has
   * its own access; the client's credentials must never reach storage).
   */
  public void storageAuthorization(String header) {
    storageAuthorization = header;
  }

  /** Expires every storage URL handed out so far. */
  public void expireRedirects() {
    generation.incrementAndGet();
  }

  /**
   * Connections that open with a TLS handshake get no answer at all (a port that swallows TLS,
   * like some firewalls): a client that asks over HTTPS first waits until its own timeout.
   */
  public void silentToTls(boolean on) {
    silentToTls = on;
  }

  /**
   * Connections accepted from now on get no answer at all: the proxy reads nothing and sends
   * nothing, holding them open (a registry that hangs). Connections already open are served as
   * before, so a client's pooled connections still work.
   */
  public void stallNewConnections(boolean on) {
    stallNewConnections = on;
  }

  /** How many connections {@link #stallNewConnections} has left unanswered. */
  public int stalledConnections() {
    return stalledConnections.get();
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
    pool.shutdownNow();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        open.add(s);
        int n = connections.incrementAndGet();
        pool.execute(() -> serve(s, n));
      } catch (IOException e) {
        if (!closed) {
          // transient accept failure: keep serving
          continue;
        }
        return;
      }
    }
  }

  private void serve(Socket client, int connection) {
    try (client) {
      if (stallNewConnections) {
        stalledConnections.incrementAndGet();
        holdOpen(client);
        return;
      }
      InputStream in = new BufferedInputStream(client.getInputStream());
      OutputStream out = client.getOutputStream();
      if (silentToTls) {
        in.mark(1);
        int first = in.read();
        in.reset();
        if (first == 0x16) { // a TLS record: handshake
          while (!closed && in.read() >= 0) {
            // swallow it, answer nothing
          }
          return;
        }
      }
      while (!closed) {
        Head head = readHead(in);
        if (head == null) {
          return;
        }
        byte[] body = readRequestBody(in, head);
        Request req = new Request(head.method, head.target, head.headerMap());
        Fault fault = null;
        for (Rule r : rules) {
          if (r.take(req)) {
            fault = r.fault;
            break;
          }
        }
        if (!handle(req, head, body, fault, client, out, connection)) {
          return;
        }
      }
    } catch (IOException e) {
      // the client went away, or a fault closed the socket
    } finally {
      open.remove(client);
    }
  }

  /** Handles one request; false if the connection must be closed. */
  private boolean handle(Request req, Head head, byte[] body, Fault fault, Socket client,
      OutputStream out, int connection) throws IOException {
    String faultName = fault == null ? "" : fault.getClass().getSimpleName();
    String range = req.header("range");
    String auth = req.header("authorization");
    Recorder record = (f, status) -> seen.add(new Seen(req.method(), req.target(), range, auth,
        f, status, connection));
    if (fault instanceof Fault.Reset) {
      record.add(faultName, 0);
      client.setSoLinger(true, 0);
      return false;
    }
    if (fault instanceof Fault.Stall) {
      record.add(faultName, 0);
      holdOpen(client);
      return false;
    }
    if (fault instanceof Fault.Status st) {
      record.add(faultName, st.code());
      Response r = new Response(st.code(), reason(st.code()), new ArrayList<>(),
          st.body().getBytes(StandardCharsets.UTF_8));
      st.headers().forEach((k, v) -> r.headers.add(new String[] {k, v}));
      write(out, r, req.method().equals("HEAD"), null);
      return true;
    }
    if (fault instanceof Fault.Delay d) {
      sleep(d.delay());
    }
    Head forward = head;
    String path = req.path();
    if (redirectBlobs && req.method().equals("GET")) {
      Matcher m = BLOB_GET.matcher(path);
      if (m.matches()) {
        String location = "http://localhost:" + server.getLocalPort() + "/_storage/" + m.group(1)
            + "/blobs/" + m.group(2) + "?gen=" + generation.get() + "&sig=s" + System.nanoTime();
        Response r = new Response(307, "Temporary Redirect", new ArrayList<>(), new byte[0]);
        r.headers.add(new String[] {"Location", location});
        record.add(faultName.isEmpty() ? "redirect" : faultName, 307);
        write(out, r, false, null);
        return true;
      }
    }
    Matcher storage = STORAGE.matcher(path);
    if (storage.matches()) {
      String gen = queryParam(req.target(), "gen");
      if (!String.valueOf(generation.get()).equals(gen)) {
        record.add("expired", 403);
        byte[] msg = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
            .getBytes(StandardCharsets.UTF_8);
        write(out, new Response(403, "Forbidden", new ArrayList<>(), msg), false, null);
        return true;
      }
      forward = head.withTarget("/v2/" + storage.group(1) + "/blobs/" + storage.group(2))
          .without("authorization");
      if (storageAuthorization != null) {
        forward = forward.with("Authorization", storageAuthorization);
      }
    }
    if (fault instanceof Fault.IgnoreRange) {
      forward = forward.without("range");
    }
    Response resp = forwardUpstream(forward, body);
    if (fault instanceof Fault.ShiftContentRange shift) {
      for (String[] h : resp.headers) {
        if (h[0].equalsIgnoreCase("Content-Range")) {
          Matcher m = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)").matcher(h[1]);
          if (m.matches()) {
            long s = Long.parseLong(m.group(1)) + shift.by();
            long e = Long.parseLong(m.group(2)) + shift.by();
            h[1] = "bytes " + s + "-" + e + "/" + m.group(3);
          }
        }
      }
    }
    record.add(faultName, resp.status);
    boolean head0 = req.method().equals("HEAD");
    if (fault instanceof Fault.Truncate t) {
      write(out, resp, head0, t);
      client.setSoLinger(true, 0);
      return false;
    }
    if (fault instanceof Fault.Slow s) {
      writeSlow(out, resp, s);
      return true;
    }
    if (fault instanceof Fault.StallBody sb) {
      write(out, resp, head0, new Fault.Truncate(sb.bytes()));
      holdOpen(client);
      return false;
    }
    write(out, resp, head0, null);
    return true;
  }

  /** Records a request with the fault applied and the status sent. */
  private interface Recorder {
    void add(String fault, int status);
  }

  /**
   * Sends nothing more on {@code client} and keeps it open until the client closes it (or the
   * proxy closes); what the client sends meanwhile is read and ignored.
   */
  private void holdOpen(Socket client) {
    try {
      InputStream in = client.getInputStream();
      byte[] sink = new byte[4096];
      while (!closed && in.read(sink) >= 0) {
        // ignore: a stalled server answers nothing
      }
    } catch (IOException e) {
      // the client gave up
    }
  }

  private Response forwardUpstream(Head head, byte[] body) throws IOException {
    try (Socket up = new Socket()) {
      up.connect(new InetSocketAddress(upstream.getHost(), upstream.getPort()), 5000);
      up.setSoTimeout(60_000);
      OutputStream uo = up.getOutputStream();
      StringBuilder sb = new StringBuilder();
      sb.append(head.method).append(' ').append(head.target).append(" HTTP/1.1\r\n");
      for (String[] h : head.headers) {
        String n = h[0].toLowerCase(Locale.ROOT);
        if (n.equals("connection") || n.equals("content-length") || n.equals("transfer-encoding")
            || n.equals("keep-alive") || n.equals("accept-encoding")) {
          continue;
        }
        sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
      }
      if (body.length > 0 || head.method.equals("PUT") || head.method.equals("POST")
          || head.method.equals("PATCH")) {
        sb.append("Content-Length: ").append(body.length).append("\r\n");
      }
      sb.append("Connection: close\r\n\r\n");
      uo.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
      uo.write(body);
      uo.flush();
      InputStream ui = new BufferedInputStream(up.getInputStream());
      String statusLine = readLine(ui);
      if (statusLine == null) {
        throw new EOFException("upstream closed without answering");
      }
      String[] parts = statusLine.split(" ", 3);
      int status = Integer.parseInt(parts[1]);
      List<String[]> headers = new ArrayList<>();
      long length = -1;
      boolean chunked = false;
      String line;
      while ((line = readLine(ui)) != null && !line.isEmpty()) {
        int c = line.indexOf(':');
        String n = line.substring(0, c).trim();
        String v = line.substring(c + 1).trim();
        if (n.equalsIgnoreCase("content-length")) {
          length = Long.parseLong(v);
        } else if (n.equalsIgnoreCase("transfer-encoding")) {
          chunked = v.equalsIgnoreCase("chunked");
          continue;
        } else if (n.equalsIgnoreCase("connection")) {
          continue;
        }
        headers.add(new String[] {n, v});
      }
      byte[] respBody;
      if (head.method.equals("HEAD") || status == 204 || status == 304) {
        respBody = new byte[0];
      } else if (chunked) {
        respBody = readChunked(ui);
      } else if (length >= 0) {
        respBody = ui.readNBytes((int) length);
      } else {
        respBody = ui.readAllBytes();
      }
      return new Response(status, parts.length > 2 ? parts[2] : "", headers, respBody);
    }
  }

  private void write(OutputStream out, Response r, boolean isHead, Fault.Truncate cut)
      throws IOException {
    out.write(headBytes(r, isHead));
    if (!isHead) {
      int n = cut == null ? r.body.length : Math.min(cut.bytes(), r.body.length);
      out.write(r.body, 0, n);
      bodyBytesSent.addAndGet(n);
    }
    out.flush();
  }

  private void writeSlow(OutputStream out, Response r, Fault.Slow s) throws IOException {
    out.write(headBytes(r, false));
    out.flush();
    for (int off = 0; off < r.body.length; off += s.chunk()) {
      int n = Math.min(s.chunk(), r.body.length - off);
      out.write(r.body, off, n);
      out.flush();
      bodyBytesSent.addAndGet(n);
      sleep(s.pause());
    }
  }

  private static byte[] headBytes(Response r, boolean isHead) {
    StringBuilder sb = new StringBuilder();
    sb.append("HTTP/1.1 ").append(r.status).append(' ').append(r.reason).append("\r\n");
    boolean hasLength = false;
    for (String[] h : r.headers) {
      if (h[0].equalsIgnoreCase("content-length")) {
        if (!isHead) {
          continue;
        }
        hasLength = true;
      }
      sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
    }
    if (!isHead || !hasLength) {
      sb.append("Content-Length: ").append(r.body.length).append("\r\n");
    }
    sb.append("\r\n");
    return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private record Response(int status, String reason, List<String[]> headers, byte[] body) {}

  private record Head(String method, String target, List<String[]> headers) {
    Map<String, String> headerMap() {
      Map<String, String> m = new java.util.HashMap<>();
      for (String[] h : headers) {
        m.put(h[0].toLowerCase(Locale.ROOT), h[1]);
      }
      return Collections.unmodifiableMap(m);
    }

    String get(String name) {
      for (String[] h : headers) {
        if (h[0].equalsIgnoreCase(name)) {
          return h[1];
        }
      }
      return null;
    }

    Head withTarget(String t) {
      return new Head(method, t, headers);
    }

    Head with(String name, String value) {
      List<String[]> hs = new ArrayList<>(headers);
      hs.add(new String[] {name, value});
      return new Head(method, target, hs);
    }

    Head without(String name) {
      List<String[]> hs = new ArrayList<>();
      for (String[] h : headers) {
        if (!h[0].equalsIgnoreCase(name)) {
          hs.add(h);
        }
      }
      return new Head(method, target, hs);
    }
  }

  private static Head readHead(InputStream in) throws IOException {
    String requestLine;
    try {
      requestLine = readLine(in);
    } catch (SocketException e) {
      return null;
    }
    if (requestLine == null || requestLine.isEmpty()) {
      return null;
    }
    String[] parts = requestLine.split(" ");
    if (parts.length != 3) {
      throw new IOException("bad request line: " + requestLine);
    }
    List<String[]> headers = new ArrayList<>();
    String line;
    while ((line = readLine(in)) != null && !line.isEmpty()) {
      int c = line.indexOf(':');
      if (c <= 0) {
        // not HTTP (e.g. a TLS ClientHello from a client probing HTTPS first): drop it
        throw new IOException("not an HTTP request");
      }
      headers.add(new String[] {line.substring(0, c).trim(), line.substring(c + 1).trim()});
    }
    return new Head(parts[0], parts[1], headers);
  }

  private static byte[] readRequestBody(InputStream in, Head head) throws IOException {
    String te = head.get("transfer-encoding");
    if (te != null && te.equalsIgnoreCase("chunked")) {
      return readChunked(in);
    }
    String cl = head.get("content-length");
    if (cl == null) {
      return new byte[0];
    }
    int n = Integer.parseInt(cl.trim());
    byte[] b = in.readNBytes(n);
    if (b.length != n) {
      throw new EOFException("request body cut short");
    }
    return b;
  }

  private static byte[] readChunked(InputStream in) throws IOException {
    ByteArrayOutputStream bo = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = readLine(in);
      if (sizeLine == null) {
        throw new EOFException("chunked body cut short");
      }
      int semi = sizeLine.indexOf(';');
      int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
      if (size == 0) {
        String l;
        while ((l = readLine(in)) != null && !l.isEmpty()) {
          // trailers
        }
        return bo.toByteArray();
      }
      byte[] b = in.readNBytes(size);
      if (b.length != size) {
        throw new EOFException("chunk cut short");
      }
      bo.write(b);
      readLine(in);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream bo = new ByteArrayOutputStream(128);
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        byte[] b = bo.toByteArray();
        int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return new String(b, 0, len, StandardCharsets.ISO_8859_1);
      }
      bo.write(c);
    }
    return bo.size() == 0 ? null : bo.toString(StandardCharsets.ISO_8859_1);
  }

  private static String queryParam(String target, String name) {
    int q = target.indexOf('?');
    if (q < 0) {
      return null;
    }
    for (String kv : target.substring(q + 1).split("&")) {
      if (kv.startsWith(name + "=")) {
        return kv.substring(name.length() + 1);
      }
    }
    return null;
  }

  private static String reason(int code) {
    return switch (code) {
      case 200 -> "OK";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 429 -> "Too Many Requests";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Status";
    };
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
