package org.stargzstore.daemon.run;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.stargzstore.types.Digest;
import org.stargzstore.types.concurrent.DaemonThreadFactory;

/**
 * A registry of one image on the loopback, for the registry client's warm-up: the ping, the
 * manifest by tag, its blobs (ranges too), 404 for anything else (the referrers API and tag).
 * Plain sockets and a few lines of HTTP/1.1 rather than the JDK's HTTP server, whose classes
 * (loaded for this alone) would stay in the daemon's metaspace for its whole life. A TLS
 * handshake (the client's scheme race on an insecure host) is refused by closing the
 * connection, as a plain-HTTP registry does.
 */
final class LoopbackRegistry implements Closeable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d+)");
  private static final int TLS_HANDSHAKE = 0x16;
  private static final int MAX_HEAD = 16 * 1024;

  private final String repository;
  private final byte[] manifest;
  private final Map<Digest, byte[]> blobs;
  private final Pattern blobPath;
  private final ServerSocket server;
  private final List<Socket> connections = new ArrayList<>();

  private LoopbackRegistry(String repository, byte[] manifest, Map<Digest, byte[]> blobs)
      throws IOException {
    this.repository = repository;
    this.manifest = manifest;
    this.blobs = Map.copyOf(blobs);
    this.blobPath = Pattern.compile("/v2/" + Pattern.quote(repository)
        + "/blobs/(sha256:[0-9a-f]{64})");
    this.server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
  }

  /** Serves {@code repository:1} (the manifest) and its blobs until closed. */
  static LoopbackRegistry start(String repository, byte[] manifest, Map<Digest, byte[]> blobs)
      throws IOException {
    LoopbackRegistry r = new LoopbackRegistry(repository, manifest, blobs);
    DaemonThreadFactory.named("warmup-registry").newThread(r::accept).start();
    return r;
  }

  /** {@code 127.0.0.1:PORT}. */
  String host() {
    return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        synchronized (connections) {
          connections.add(s);
        }
        DaemonThreadFactory.named("warmup-registry-conn").newThread(() -> serve(s)).start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  /** Requests of one connection in turn (keep-alive), until the client or close() ends it. */
  private void serve(Socket socket) {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      in.mark(1);
      if (in.read() == TLS_HANDSHAKE) {
        return;
      }
      in.reset();
      String head;
      while ((head = readHead(in)) != null) {
        respond(head, out);
      }
    } catch (IOException e) {
      // the client went away, or close()
    }
  }

  /** The request line and headers, or null at the end of the stream. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      if (head.size() >= MAX_HEAD) {
        throw new IOException("request head over " + MAX_HEAD + " bytes");
      }
      head.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private void respond(String head, OutputStream out) throws IOException {
    String[] lines = head.split("\r\n");
    String[] request = lines[0].split(" ");
    if (request.length != 3) {
      throw new IOException("not an HTTP request line: " + lines[0]);
    }
    boolean isHead = request[0].equals("HEAD");
    String path = request[1].split("\\?", 2)[0];
    if (path.equals("/v2/")) {
      send(out, isHead, "200 OK", "application/json", "", "{}".getBytes(StandardCharsets.UTF_8),
          0, 2);
      return;
    }
    if (path.equals("/v2/" + repository + "/manifests/1")) {
      send(out, isHead, "200 OK", "application/vnd.oci.image.manifest.v1+json",
          "Docker-Content-Digest: " + Digest.of(manifest) + "\r\n", manifest, 0,
          manifest.length);
      return;
    }
    Matcher b = blobPath.matcher(path);
    byte[] blob = b.matches() ? blobs.get(Digest.parse(b.group(1))) : null;
    if (blob == null) {
      byte[] err = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"unknown\"}]}"
          .getBytes(StandardCharsets.UTF_8);
      send(out, isHead, "404 Not Found", "application/json", "", err, 0, err.length);
      return;
    }
    Matcher r = range(lines);
    if (r == null) {
      send(out, isHead, "200 OK", "application/octet-stream", "", blob, 0, blob.length);
      return;
    }
    int from = Integer.parseInt(r.group(1));
    int to = (int) Math.min(Long.parseLong(r.group(2)), blob.length - 1);
    send(out, isHead, "206 Partial Content", "application/octet-stream",
        "Content-Range: bytes " + from + "-" + to + "/" + blob.length + "\r\n", blob, from,
        to + 1 - from);
  }

  private static Matcher range(String[] lines) {
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0 && lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT)
          .equals("range")) {
        Matcher m = RANGE.matcher(lines[i].substring(colon + 1).trim());
        return m.matches() ? m : null;
      }
    }
    return null;
  }

  private static void send(OutputStream out, boolean isHead, String status, String type,
      String extraHeaders, byte[] body, int off, int len) throws IOException {
    String head = "HTTP/1.1 " + status + "\r\n"
        + "Docker-Distribution-API-Version: registry/2.0\r\n"
        + "Content-Type: " + type + "\r\n"
        + "Content-Length: " + len + "\r\n"
        + extraHeaders + "\r\n";
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    if (!isHead) {
      out.write(body, off, len);
    }
    out.flush();
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // nothing to do
    }
    synchronized (connections) {
      for (Socket s : connections) {
        try {
          s.close();
        } catch (IOException e) {
          // nothing to do
        }
      }
      connections.clear();
    }
  }
}
