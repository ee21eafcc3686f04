package org.stargzstore.daemon.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import org.stargzstore.daemon.config.ListenAddress;
import org.stargzstore.fs.als.LayerStore;
import org.stargzstore.fs.store.ContentStore;

/**
 * The opt-in Prometheus endpoint ({@code [metrics] address}): {@code /metrics} with the
 * daemon's {@link DaemonMetrics} and the JVM's (memory, GC, threads, process). Its own registry,
 * so that nothing else in the process adds metrics to it by accident.
 */
public final class MetricsServer implements AutoCloseable {
  private final HTTPServer server;
  private final ListenAddress address;

  private MetricsServer(HTTPServer server, ListenAddress address) {
    this.server = server;
    this.address = address;
  }

  /** Binds {@code address} and serves the metrics of {@code store}; fails if it cannot bind. */
  public static MetricsServer start(ListenAddress address, LayerStore store, ContentStore content)
      throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmMetrics.builder().register(registry);
    DaemonMetrics.register(registry, store, content);
    try {
      HTTPServer server = HTTPServer.builder().inetAddress(InetAddress.getByName(address.host()))
          .port(address.port()).registry(registry).buildAndStart();
      return new MetricsServer(server, new ListenAddress(address.host(), server.getPort()));
    } catch (IOException e) {
      throw new IOException("cannot serve metrics at " + address + " ([metrics] address): "
          + e.getMessage(), e);
    }
  }

  /** Where it listens (with the port the system chose if the configured one was 0). */
  public ListenAddress address() {
    return address;
  }

  @Override
  public void close() {
    server.close();
  }
}
