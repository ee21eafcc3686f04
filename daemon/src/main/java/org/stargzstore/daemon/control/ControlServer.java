package org.stargzstore.daemon.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeSet;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * The daemon's control socket (a Unix socket, its owner only): one JSON request line in, one
 * JSON response line out, or the same as one HTTP/1.1 request ({@link HttpControlExchange}),
 * which {@code curl --unix-socket} can send without a JVM. {@code status} reports what is
 * mounted; {@code credentials} receives what podman's {@code additional-layer-store-auth-helper}
 * passes. Secrets are never logged.
 */
public final class ControlServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ControlServer.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REQUEST = 4 << 20;

  /** Answers one operation. */
  @FunctionalInterface
  public interface Handler {
    JsonNode handle(JsonNode request) throws Exception;
  }

  private final Path path;
  private final ServerSocketChannel server;
  private final Map<String, Handler> handlers;
  private final Thread acceptor;
  private final DaemonThreadFactory requestThreads = DaemonThreadFactory.named("control-request");
  private volatile boolean closed;

  private ControlServer(Path path, ServerSocketChannel server, Map<String, Handler> handlers) {
    this.path = path;
    this.server = server;
    this.handlers = Map.copyOf(handlers);
    this.acceptor = DaemonThreadFactory.named("control-socket").newThread(this::acceptLoop);
  }

  /** Listens on {@code path} (replacing a stale socket file). */
  public static ControlServer start(Path path, Map<String, Handler> handlers) throws IOException {
    Files.createDirectories(path.getParent());
    Files.deleteIfExists(path);
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    ch.bind(UnixDomainSocketAddress.of(path));
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: leave the default permissions
    }
    ControlServer s = new ControlServer(path, ch, handlers);
    s.acceptor.start();
    return s;
  }

  public Path path() {
    return path;
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        SocketChannel c = server.accept();
        requestThreads.newThread(() -> serve(c)).start();
      } catch (IOException e) {
        if (!closed) {
          LOG.log(Level.WARNING, "control socket accept failed", e);
        }
      }
    }
  }

  private void serve(SocketChannel c) {
    try (c; InputStream in = new BufferedInputStream(Channels.newInputStream(c));
        OutputStream out = Channels.newOutputStream(c)) {
      int first = in.read();
      if (first < 0) {
        return;
      }
      if (HttpControlExchange.startsHttp(first)) {
        serveHttp(first, in, out);
      } else {
        serveLine(first, in, out);
      }
    } catch (IOException e) {
      LOG.fine(() -> "control connection: " + e.getMessage());
    }
  }

  private void serveLine(int first, InputStream in, OutputStream out) throws IOException {
    byte[] rest = readLine(in);
    byte[] line = new byte[rest.length + 1];
    line[0] = (byte) first;
    System.arraycopy(rest, 0, line, 1, rest.length);
    JsonNode response;
    try {
      response = answer(JSON.readTree(line));
    } catch (IOException e) {
      // not the parser's message: it quotes the request, which may hold a password
      response = error("the request is not a JSON line");
    }
    out.write(JSON.writeValueAsBytes(response));
    out.write('\n');
  }

  private void serveHttp(int first, InputStream in, OutputStream out) throws IOException {
    ObjectNode req;
    try {
      req = HttpControlExchange.readRequest(first, in, MAX_REQUEST);
    } catch (HttpControlExchange.BadRequest e) {
      LOG.warning("control request over HTTP refused: " + e.getMessage());
      HttpControlExchange.writeResponse(out, error(e.getMessage()));
      return;
    }
    HttpControlExchange.writeResponse(out, answer(req));
  }

  private JsonNode answer(JsonNode req) {
    String op = req.path("op").asText();
    try {
      Handler h = handlers.get(op);
      if (h == null) {
        return error("unknown operation '" + op + "' (known: " + new TreeSet<>(handlers.keySet())
            + ")");
      }
      return h.handle(req);
    } catch (Exception e) {
      LOG.warning("control request '" + op + "' failed: " + e.getMessage());
      return error(e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  private static byte[] readLine(InputStream in) throws IOException {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    int ch;
    while ((ch = in.read()) >= 0 && ch != '\n') {
      b.write(ch);
      if (b.size() > MAX_REQUEST) {
        throw new IOException("control request too large");
      }
    }
    return b.toByteArray();
  }

  static ObjectNode error(String message) {
    ObjectNode n = JSON.createObjectNode();
    n.put("ok", false);
    n.put("error", message);
    return n;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.fine(() -> "closing control socket: " + e.getMessage());
    }
  }

  /** Sends one request to a running daemon and returns its response. */
  public static JsonNode call(Path socket, JsonNode request) throws IOException {
    if (!Files.exists(socket)) {
      throw new IOException("no daemon is listening at " + socket
          + " (is stargz-registry-storage running with this --root?)");
    }
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        OutputStream out = Channels.newOutputStream(c);
        InputStream in = Channels.newInputStream(c)) {
      out.write(JSON.writeValueAsBytes(request));
      out.write('\n');
      out.flush();
      byte[] resp = readLine(in);
      if (resp.length == 0) {
        throw new IOException("the daemon closed the control connection without answering");
      }
      return JSON.readTree(new String(resp, StandardCharsets.UTF_8));
    } catch (java.net.SocketException e) {
      throw new IOException("cannot reach the daemon at " + socket + ": " + e.getMessage(), e);
    }
  }
}
